import { createHash } from 'node:crypto';
import { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { endpointsFromEnvironment } from '../adapters/aws/awsEndpoints.js';
import { documentClient } from '../adapters/aws/dynamoDocumentClient.js';
import { s3Client } from '../adapters/aws/s3Client.js';
import { sqsClient } from '../adapters/aws/sqsClient.js';
import { DESK_METRICS } from '../adapters/metrics/deskMetricNames.js';
import { DynamoRateLimiter } from '../adapters/ratelimit/DynamoRateLimiter.js';
import { S3BlobStore } from '../adapters/s3/S3BlobStore.js';
import { hmacSha256Hex, loadLimiterKey } from '../adapters/secrets/limiterKey.js';
import { SqsInboundQueue } from '../adapters/sqs/SqsInboundQueue.js';
import { type AcceptFormOutcome, type AcceptFormServices, acceptForm } from '../domain/ingest/acceptForm.js';
import { systemClock } from '../domain/ports.js';
import type { WebhookRequest } from '../domain/webhookRequest.js';
import * as z from '../domain/zodMini.js';
import { channelMetrics } from './channelMetrics.js';
import { loadConfig } from './loadConfig.js';
import { httpResult, webhookRequestOf } from './webhookEvents.js';

const ConfigSchema = z.object({
  RAW_BUCKET: z.string().check(z.minLength(1)),
  INBOUND_QUEUE_URL: z.url(),
  RATE_LIMIT_TABLE_NAME: z.string().check(z.minLength(1)),
});

const logger = new Logger({ serviceName: DESK_METRICS.services.formIngest });

export const sha256Hex = (text: string) => createHash('sha256').update(text).digest('hex');

export async function buildFormServices(env: NodeJS.ProcessEnv = process.env): Promise<AcceptFormServices> {
  const config = loadConfig(ConfigSchema, env, 'form-ingest');
  const endpoints = endpointsFromEnvironment(env);
  const limiterKey = await loadLimiterKey(env);
  return {
    blobStore: new S3BlobStore(s3Client(endpoints), config.RAW_BUCKET),
    inboundQueue: new SqsInboundQueue(sqsClient(endpoints), config.INBOUND_QUEUE_URL),
    rateLimiter: new DynamoRateLimiter(documentClient(endpoints), config.RATE_LIMIT_TABLE_NAME),
    clock: systemClock,
    digest: sha256Hex,
    limiterDigest: hmacSha256Hex(limiterKey),
  };
}

/** `POST /inbound/form`: the international inquiry form. */
export async function handleForm(
  request: WebhookRequest,
  services: AcceptFormServices,
): Promise<AcceptFormOutcome> {
  const outcome = await acceptForm(request, services);
  logger.info('form submission', { outcome: outcome.outcome, status: outcome.status });
  return outcome;
}

let services: Promise<AcceptFormServices> | undefined;
const metrics = channelMetrics(DESK_METRICS.services.formIngest, 'form');

export async function handler(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> {
  // A failed cold start is retried by the next request, not cached (see fax.ts).
  services ??= buildFormServices().catch((error: unknown) => {
    services = undefined;
    throw error;
  });
  const ready = await services;
  return httpResult(
    await metrics.around(
      () => handleForm(webhookRequestOf(event), ready),
      (outcome) => [outcome.outcome],
    ),
  );
}
