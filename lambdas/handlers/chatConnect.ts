import { Logger } from '@aws-lambda-powertools/logger';
import type { SNSEvent } from 'aws-lambda';
import { endpointsFromEnvironment } from '../adapters/aws/awsEndpoints.js';
import { s3Client } from '../adapters/aws/s3Client.js';
import { sqsClient } from '../adapters/aws/sqsClient.js';
import { DESK_METRICS } from '../adapters/metrics/deskMetricNames.js';
import { S3BlobStore } from '../adapters/s3/S3BlobStore.js';
import { SqsInboundQueue } from '../adapters/sqs/SqsInboundQueue.js';
import { ConnectChatItemSchema } from '../domain/chat/connectChat.js';
import {
  type AcceptChatServices,
  acceptConnectChatItem,
  type ConnectChatOutcome,
} from '../domain/ingest/acceptChat.js';
import * as z from '../domain/zodMini.js';
import { channelMetrics } from './channelMetrics.js';
import { loadConfig } from './loadConfig.js';

const ConfigSchema = z.object({
  RAW_BUCKET: z.string().check(z.minLength(1)),
  INBOUND_QUEUE_URL: z.url(),
});

const logger = new Logger({ serviceName: DESK_METRICS.services.chatConnect });

export type ConnectChatServices = Pick<AcceptChatServices, 'inboundQueue' | 'blobStore'>;

export function buildConnectChatServices(env: NodeJS.ProcessEnv = process.env): ConnectChatServices {
  const config = loadConfig(ConfigSchema, env, 'chat-connect');
  const endpoints = endpointsFromEnvironment(env);
  return {
    blobStore: new S3BlobStore(s3Client(endpoints), config.RAW_BUCKET),
    inboundQueue: new SqsInboundQueue(sqsClient(endpoints), config.INBOUND_QUEUE_URL),
  };
}

/**
 * Amazon Connect chat message streaming: SNS invokes this with one chat item per record. An item
 * that is not a chat item is logged (by its SNS message id) and skipped: SNS would retry it
 * forever, and it can never become part of a transcript.
 */
export async function handleConnectChat(
  event: SNSEvent,
  services: ConnectChatServices,
): Promise<ConnectChatOutcome[]> {
  const outcomes: ConnectChatOutcome[] = [];
  for (const record of event.Records) {
    let json: unknown;
    try {
      json = JSON.parse(record.Sns.Message);
    } catch {
      json = undefined;
    }
    const item = ConnectChatItemSchema.safeParse(json);
    if (!item.success) {
      logger.warn('not a Connect chat item', { snsMessageId: record.Sns.MessageId });
      outcomes.push({ outcome: 'ignored', reason: 'not a Connect chat item' });
      continue;
    }
    const outcome = await acceptConnectChatItem(item.data, record.Sns.Message, services);
    logger.info('connect chat item', {
      snsMessageId: record.Sns.MessageId,
      itemId: item.data.Id,
      outcome: outcome.outcome,
    });
    outcomes.push(outcome);
  }
  return outcomes;
}

let services: ConnectChatServices | undefined;
const metrics = channelMetrics(DESK_METRICS.services.chatConnect, 'chat');

export async function handler(event: SNSEvent): Promise<void> {
  services ??= buildConnectChatServices();
  const ready = services;
  await metrics.around(
    () => handleConnectChat(event, ready),
    (outcomes) => outcomes.map((outcome) => outcome.outcome),
  );
}
