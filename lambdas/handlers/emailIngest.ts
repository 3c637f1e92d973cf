import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { SESEvent } from 'aws-lambda';
import { z } from 'zod';
import { endpointsFromEnvironment } from '../adapters/aws/awsEndpoints.js';
import { s3Client } from '../adapters/aws/s3Client.js';
import { sqsClient } from '../adapters/aws/sqsClient.js';
import { DESK_METRICS } from '../adapters/metrics/deskMetricNames.js';
import { PowertoolsDeskMetrics } from '../adapters/metrics/PowertoolsDeskMetrics.js';
import { PostalMimeEmailParser } from '../adapters/mime/PostalMimeEmailParser.js';
import { S3BlobStore } from '../adapters/s3/S3BlobStore.js';
import { SqsInboundQueue } from '../adapters/sqs/SqsInboundQueue.js';
import {
  type AcceptEmailOutcome,
  type AcceptEmailServices,
  acceptEmail,
} from '../domain/ingest/acceptEmail.js';
import { loadConfig } from './config.js';

const ConfigSchema = z.object({
  RAW_BUCKET: z.string().min(1),
  RAW_EMAIL_PREFIX: z.string().default('email/'),
  INBOUND_QUEUE_URL: z.string().url(),
});

export const EMAIL_INGEST_CONFIG = ConfigSchema;

const logger = new Logger({ serviceName: DESK_METRICS.services.emailIngest });
const metrics = new Metrics({
  namespace: DESK_METRICS.namespace,
  serviceName: DESK_METRICS.services.emailIngest,
});
const deskMetrics = new PowertoolsDeskMetrics(metrics);

export function buildEmailIngestServices(
  env: NodeJS.ProcessEnv = process.env,
): AcceptEmailServices & { rawPrefix: string } {
  const config = loadConfig(ConfigSchema, env, 'email-ingest');
  const endpoints = endpointsFromEnvironment(env);
  return {
    blobStore: new S3BlobStore(s3Client(endpoints), config.RAW_BUCKET),
    inboundQueue: new SqsInboundQueue(sqsClient(endpoints), config.INBOUND_QUEUE_URL),
    emailParser: new PostalMimeEmailParser(),
    rawPrefix: config.RAW_EMAIL_PREFIX,
  };
}

/**
 * SES receipt: the S3 action stored the raw message under `<prefix><mail.messageId>`, then the
 * Lambda action invokes this with the receipt (no content). The receipt time starts the clocks.
 */
export async function handleEmailReceipt(
  event: SESEvent,
  services: AcceptEmailServices & { rawPrefix: string },
): Promise<AcceptEmailOutcome[]> {
  const outcomes: AcceptEmailOutcome[] = [];
  for (const record of event.Records) {
    const { messageId, timestamp } = record.ses.mail;
    const outcome = await acceptEmail(
      `${services.rawPrefix}${messageId}`,
      new Date(timestamp).toISOString(),
      services,
    );
    // Ids and outcomes only: never subjects, addresses or bodies (PHI). A parser's reason can
    // quote a broken header, so it stays with the quarantined object, not in the log.
    logger.info('email accepted', {
      sesMessageId: messageId,
      outcome: outcome.outcome,
      ...('quarantineKey' in outcome ? { quarantineKey: outcome.quarantineKey } : {}),
    });
    outcomes.push(outcome);
  }
  return outcomes;
}

let services: ReturnType<typeof buildEmailIngestServices> | undefined;

export async function handler(event: SESEvent): Promise<void> {
  services ??= buildEmailIngestServices();
  try {
    for (const { outcome } of await handleEmailReceipt(event, services)) {
      if (outcome === 'queued') deskMetrics.inboundAccepted('email');
      else deskMetrics.inboundQuarantined('email');
    }
  } finally {
    metrics.publishStoredMetrics();
  }
}
