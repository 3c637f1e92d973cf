import { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { endpointsFromEnvironment } from '../adapters/aws/awsEndpoints.js';
import { s3Client } from '../adapters/aws/s3Client.js';
import { sqsClient } from '../adapters/aws/sqsClient.js';
import { HmacWidgetAuthenticator } from '../adapters/chat/HmacWidgetAuthenticator.js';
import { DESK_METRICS } from '../adapters/metrics/deskMetricNames.js';
import { S3BlobStore } from '../adapters/s3/S3BlobStore.js';
import { loadChannelSecrets } from '../adapters/secrets/channelSecrets.js';
import { SqsInboundQueue } from '../adapters/sqs/SqsInboundQueue.js';
import {
  type AcceptChatOutcome,
  type AcceptChatServices,
  acceptWidgetEvent,
} from '../domain/ingest/acceptChat.js';
import { systemClock } from '../domain/ports.js';
import type { WebhookRequest } from '../domain/webhookRequest.js';
import * as z from '../domain/zodMini.js';
import { channelMetrics } from './channelMetrics.js';
import { policyFromEnvironment } from './config.js';
import { loadConfig } from './loadConfig.js';
import { httpResult, webhookRequestOf } from './webhookEvents.js';

const ConfigSchema = z.object({
  RAW_BUCKET: z.string().check(z.minLength(1)),
  INBOUND_QUEUE_URL: z.url(),
});

const logger = new Logger({ serviceName: DESK_METRICS.services.chatIngest });

/** A chat widget event is small; anything larger is not one. */
export const CHAT_BODY_LIMIT_BYTES = 64 * 1024;

export async function buildChatServices(env: NodeJS.ProcessEnv = process.env): Promise<AcceptChatServices> {
  const config = loadConfig(ConfigSchema, env, 'chat-ingest');
  const endpoints = endpointsFromEnvironment(env);
  const { secrets, invalidFields } = await loadChannelSecrets(env);
  if (!secrets.chatWidgetSecrets) {
    const problem = invalidFields.includes('chatWidgetSecrets') ? 'malformed' : 'missing';
    throw new Error(`chat-ingest configuration is invalid: chatWidgetSecrets is ${problem}`);
  }
  return {
    authenticator: new HmacWidgetAuthenticator(secrets.chatWidgetSecrets),
    blobStore: new S3BlobStore(s3Client(endpoints), config.RAW_BUCKET),
    inboundQueue: new SqsInboundQueue(sqsClient(endpoints), config.INBOUND_QUEUE_URL),
    clock: systemClock,
    policy: policyFromEnvironment(env),
  };
}

/** `POST /inbound/chat`: one chat widget event. */
export async function handleChatEvent(
  request: WebhookRequest,
  services: AcceptChatServices,
): Promise<AcceptChatOutcome> {
  if (request.body.length > CHAT_BODY_LIMIT_BYTES) {
    return {
      outcome: 'rejected',
      status: 413,
      body: { error: 'payload_too_large', message: `a chat event is at most ${CHAT_BODY_LIMIT_BYTES} bytes` },
    };
  }
  const outcome = await acceptWidgetEvent(request, services);
  logger.info('chat event', {
    outcome: outcome.outcome,
    status: outcome.status,
    ...(typeof outcome.body.eventId === 'string' ? { eventId: outcome.body.eventId } : {}),
  });
  return outcome;
}

let services: Promise<AcceptChatServices> | undefined;
const metrics = channelMetrics(DESK_METRICS.services.chatIngest, 'chat');

export async function handler(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> {
  // A failed cold start is retried by the next request, not cached (see fax.ts).
  services ??= buildChatServices().catch((error: unknown) => {
    services = undefined;
    throw error;
  });
  const ready = await services;
  return httpResult(
    await metrics.around(
      () => handleChatEvent(webhookRequestOf(event), ready),
      (outcome) => [outcome.outcome],
    ),
  );
}
