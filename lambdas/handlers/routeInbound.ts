import { Logger } from '@aws-lambda-powertools/logger';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { z } from 'zod';
import { documentClient, endpointsFromEnvironment, sqsClient } from '../adapters/awsClients.js';
import { DynamoCaseStore } from '../adapters/dynamo/DynamoCaseStore.js';
import { SqsDeadLetters } from '../adapters/sqs/SqsDeadLetters.js';
import { type RecordInboundServices, recordInbound } from '../domain/cases/recordInbound.js';
import { isTranscriptOnlyLine, recordChatLine } from '../domain/chat/recordChatLine.js';
import { InboundMessageSchema } from '../domain/inboundMessage.js';
import { systemClock } from '../domain/ports.js';
import { loadConfig, policyFromEnvironment } from './config.js';

const ConfigSchema = z.object({
  TABLE_NAME: z.string().min(1),
  DEAD_LETTER_QUEUE_URL: z.string().url(),
});

const logger = new Logger({ serviceName: 'route-inbound' });

export interface RouteInboundServices extends RecordInboundServices {
  deadLetters: { park(body: string, reason: string, sourceMessageId: string): Promise<void> };
}

export function buildRouteInboundServices(env: NodeJS.ProcessEnv = process.env): RouteInboundServices {
  const config = loadConfig(ConfigSchema, env, 'route-inbound');
  const endpoints = endpointsFromEnvironment(env);
  return {
    caseStore: new DynamoCaseStore(documentClient(endpoints), {
      tableName: config.TABLE_NAME,
    }),
    deadLetters: new SqsDeadLetters(sqsClient(endpoints), config.DEAD_LETTER_QUEUE_URL),
    clock: systemClock,
    policy: policyFromEnvironment(env),
  };
}

/** The record's message, or why the record can never succeed (not JSON, not an InboundMessage). */
function parseRecord(
  record: SQSRecord,
): { reason: string } | { message: z.infer<typeof InboundMessageSchema> } {
  let json: unknown;
  try {
    json = JSON.parse(record.body);
  } catch {
    return { reason: 'body is not JSON' };
  }
  const parsed = InboundMessageSchema.safeParse(json);
  if (!parsed.success) {
    return {
      reason: `not an InboundMessage: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    };
  }
  return { message: parsed.data };
}

/**
 * Routes a batch of inbound messages into cases. Reports partial batch failures so one bad
 * record never makes the others retry; a record that can never succeed goes straight to the
 * DLQ with its reason, a transient failure is retried by SQS until `maxReceiveCount`.
 */
export async function handleInboundBatch(
  event: SQSEvent,
  services: RouteInboundServices,
): Promise<SQSBatchResponse> {
  const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
  for (const record of event.Records) {
    const checked = parseRecord(record);
    try {
      if ('reason' in checked) {
        await services.deadLetters.park(record.body, checked.reason, record.messageId);
        logger.warn('inbound record parked in DLQ', {
          sqsMessageId: record.messageId,
          reason: checked.reason,
        });
        continue;
      }
      // A staff line or the end of a chat joins the transcript; it neither opens nor wakes a case.
      const outcome = isTranscriptOnlyLine(checked.message)
        ? await recordChatLine(checked.message, services)
        : await recordInbound(checked.message, services);
      logger.info('inbound recorded', {
        sqsMessageId: record.messageId,
        channel: checked.message.channel,
        ...outcome,
      });
    } catch (error) {
      logger.error('inbound record failed; SQS will retry it', {
        cause:
          error instanceof Error && error.cause instanceof Error
            ? { name: error.cause.name, message: error.cause.message }
            : undefined,
        sqsMessageId: record.messageId,
        error: error instanceof Error ? { name: error.name, message: error.message } : String(error),
      });
      batchItemFailures.push({ itemIdentifier: record.messageId });
    }
  }
  return { batchItemFailures };
}

let services: RouteInboundServices | undefined;

export async function handler(event: SQSEvent): Promise<SQSBatchResponse> {
  services ??= buildRouteInboundServices();
  return handleInboundBatch(event, services);
}
