import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { endpointsFromEnvironment } from '../adapters/aws/awsEndpoints.js';
import { documentClient } from '../adapters/aws/dynamoDocumentClient.js';
import { sqsClient } from '../adapters/aws/sqsClient.js';
import { DynamoCaseStore } from '../adapters/dynamo/DynamoCaseStore.js';
import { DESK_METRICS } from '../adapters/metrics/deskMetricNames.js';
import { PowertoolsDeskMetrics } from '../adapters/metrics/PowertoolsDeskMetrics.js';
import { PowertoolsSlaMetrics } from '../adapters/metrics/PowertoolsSlaMetrics.js';
import { SesMailer, sesOutboxClient } from '../adapters/ses/SesMailer.js';
import { SqsDeadLetters } from '../adapters/sqs/SqsDeadLetters.js';
import { conversationGroupOf } from '../domain/cases/messageIdentity.js';
import { type RecordInboundServices, recordInbound } from '../domain/cases/recordInbound.js';
import { isTranscriptOnlyLine, recordChatLine } from '../domain/chat/recordChatLine.js';
import { errorForLog } from '../domain/errorForLog.js';
import { InboundMessageSchema } from '../domain/inboundMessage.js';
import { acknowledgerFor, acknowledgingAtOnce } from '../domain/outbound/acknowledge.js';
import { deliverNow } from '../domain/outbound/deliverOutbox.js';
import {
  CaseRejectedError,
  type Mailer,
  type OutboxEntry,
  type SlaMetrics,
  systemClock,
} from '../domain/ports.js';
import * as z from '../domain/zodMini.js';
import { deskSettingsFromEnvironment, policyFromEnvironment } from './config.js';
import { loadConfig } from './loadConfig.js';

const ConfigSchema = z.object({
  TABLE_NAME: z.string().check(z.minLength(1)),
  DEAD_LETTER_QUEUE_URL: z.url(),
  /** Conversations of one batch recorded at once (records of one conversation stay in order). */
  ROUTE_CONCURRENCY: z._default(z.coerce.number().check(z.int(), z.gte(1), z.lte(64)), 8),
  /** The inbound queue's maxReceiveCount: a record still failing on that receive is parked with its error. */
  MAX_RECEIVE_COUNT: z.optional(z.coerce.number().check(z.int(), z.gte(1), z.lte(1_000))),
});

const logger = new Logger({ serviceName: 'route-inbound' });
const metrics = new Metrics({
  namespace: DESK_METRICS.namespace,
  serviceName: DESK_METRICS.services.routeInbound,
});

export interface RouteInboundServices extends RecordInboundServices {
  deadLetters: { park(body: string, reason: string, sourceMessageId: string): Promise<void> };
  /** Conversations of one batch recorded at once; 1 records the batch one record after another. */
  concurrency?: number;
  /** Sends a new case's acknowledgement right after the case commits; the sweeper retries what fails. */
  mailer?: Mailer;
  /**
   * The queue's maxReceiveCount. On that receive a record that fails again is parked in the DLQ with
   * its error as the reason, instead of being redriven there by SQS with none.
   */
  maxReceiveCount?: number;
  /** Counts created / threaded / duplicate as CloudWatch metrics (optional: tests leave it out). */
  metrics?: Pick<PowertoolsDeskMetrics, 'inboundRecorded'>;
  /** SLA attainment of the clocks a staff chat line stops (optional: tests leave it out). */
  slaMetrics?: SlaMetrics;
}

export function buildRouteInboundServices(env: NodeJS.ProcessEnv = process.env): RouteInboundServices {
  const config = loadConfig(ConfigSchema, env, 'route-inbound');
  const endpoints = endpointsFromEnvironment(env);
  const policy = policyFromEnvironment(env);
  const desk = deskSettingsFromEnvironment(env, policy, 'route-inbound');
  if (!desk) logger.warn('DESK_FROM is not set: new cases get no acknowledgement until it is');
  return {
    caseStore: new DynamoCaseStore(documentClient(endpoints), {
      tableName: config.TABLE_NAME,
    }),
    deadLetters: new SqsDeadLetters(sqsClient(endpoints), config.DEAD_LETTER_QUEUE_URL),
    clock: systemClock,
    policy,
    concurrency: config.ROUTE_CONCURRENCY,
    ...(config.MAX_RECEIVE_COUNT ? { maxReceiveCount: config.MAX_RECEIVE_COUNT } : {}),
    metrics: new PowertoolsDeskMetrics(metrics),
    slaMetrics: new PowertoolsSlaMetrics(metrics),
    ...(desk
      ? { acknowledge: acknowledgerFor(desk), mailer: new SesMailer(sesOutboxClient(endpoints), desk.from) }
      : {}),
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
 * Records one message; a new case's acknowledgement, committed with the case, is sent right after.
 * If SES fails the case stands and the outbox entry waits for the sweeper, which never sends it twice.
 */
async function recordMessage(message: z.infer<typeof InboundMessageSchema>, services: RouteInboundServices) {
  const { acknowledge, mailer } = services;
  if (!acknowledge) return recordInbound(message, services);
  const composed: OutboxEntry[] = [];
  const outcome = await recordInbound(message, {
    ...services,
    // Sent right after the commit by this invocation: written held for it, so no claim write.
    acknowledge: mailer ? acknowledgingAtOnce(acknowledge, composed) : acknowledge,
  });
  if (mailer && outcome.outcome === 'created' && outcome.acknowledged) {
    // Only the entry of the case this call created: an earlier hop (a message that turned out to
    // join a case, then opened a follow-up) composed one for a case that was never written.
    await deliverNow(
      composed.filter((entry) => entry.caseId === outcome.caseId),
      {
        caseStore: services.caseStore,
        mailer,
        clock: services.clock,
        log: (level, text, detail) => logger[level](text, detail),
      },
    );
  }
  return outcome;
}

/** Parks a record that can never succeed in the DLQ with its reason. */
async function park(record: SQSRecord, reason: string, services: RouteInboundServices): Promise<void> {
  await services.deadLetters.park(record.body, reason, record.messageId);
  logger.warn('inbound record parked in DLQ', { sqsMessageId: record.messageId, reason });
}

/** Chat lines by the time they were written; anything else keeps its batch order (a stable sort). */
function byChatLineTime(
  first: { checked: ReturnType<typeof parseRecord> },
  second: { checked: ReturnType<typeof parseRecord> },
): number {
  if (!('message' in first.checked) || !('message' in second.checked)) return 0;
  const [a, b] = [first.checked.message, second.checked.message];
  if (a.channel !== 'chat' || b.channel !== 'chat') return 0;
  return Date.parse(a.receivedAt) - Date.parse(b.receivedAt);
}

/** This receive is the queue's last before its redrive policy moves the record to the DLQ. */
function lastReceive(record: SQSRecord, services: RouteInboundServices): boolean {
  const receives = Number(record.attributes.ApproximateReceiveCount);
  return Boolean(services.maxReceiveCount) && receives >= (services.maxReceiveCount ?? 0);
}

/** Records one SQS record; false when SQS should deliver it again. */
async function routeRecord(
  record: SQSRecord,
  checked: ReturnType<typeof parseRecord>,
  services: RouteInboundServices,
): Promise<boolean> {
  try {
    if ('reason' in checked) {
      await park(record, checked.reason, services);
      return true;
    }
    // A staff line or the end of a chat joins the transcript; it neither opens nor wakes a case.
    const outcome = isTranscriptOnlyLine(checked.message)
      ? await recordChatLine(checked.message, services)
      : await recordMessage(checked.message, services);
    if (outcome.outcome === 'no_case' && outcome.waitForCase && !lastReceive(record, services)) {
      // A staff line that overtook the member's first line: delivered again once the case exists
      // (never parked for it: on the last receive it is let go like a line of an empty chat).
      logger.info('chat line waits for its conversation case', { sqsMessageId: record.messageId });
      return false;
    }
    services.metrics?.inboundRecorded(outcome.outcome);
    logger.info('inbound recorded', {
      sqsMessageId: record.messageId,
      channel: checked.message.channel,
      ...outcome,
    });
    return true;
  } catch (error) {
    if (error instanceof CaseRejectedError) {
      // The store can never write it (a DynamoDB limit): retrying would only delay the DLQ.
      try {
        await park(record, `the case store refused the message: ${errorForLog(error).message}`, services);
        return true;
      } catch (parkError) {
        logger.error('could not park a refused record; SQS will retry it', {
          sqsMessageId: record.messageId,
          error: errorForLog(parkError),
        });
        return false;
      }
    }
    const receives = Number(record.attributes.ApproximateReceiveCount);
    if (lastReceive(record, services)) {
      // The last receive: parked with the error now, or SQS's redrive moves it there without a reason.
      const { name, message: detail } = errorForLog(error);
      const cause =
        error instanceof Error && error.cause instanceof Error ? ` (cause: ${error.cause.name})` : '';
      try {
        await park(
          record,
          `failed on each of its ${receives} receives; the last: ${name}: ${detail}${cause}`,
          services,
        );
        return true;
      } catch {
        // SQS's redrive still moves it after this receive.
      }
    }
    logger.error('inbound record failed; SQS will retry it', {
      // Redacted like the error itself: a wrapped error (a parse error, an SDK error naming a value)
      // may quote the member's data, which must not reach CloudWatch Logs.
      cause: error instanceof Error && error.cause instanceof Error ? errorForLog(error.cause) : undefined,
      sqsMessageId: record.messageId,
      error: errorForLog(error),
    });
    return false;
  }
}

/**
 * Routes a batch of inbound messages into cases. The batch's conversations are recorded
 * concurrently (at most `concurrency` at once); the records of one conversation (a root and its
 * replies, one chat session) one after another, in batch order. Reports partial batch failures so
 * one bad record never makes the others retry; a record that can never succeed goes straight to
 * the DLQ with its reason, a transient failure is retried by SQS, and parked with its error on the
 * queue's last receive (`maxReceiveCount`).
 */
export async function handleInboundBatch(
  event: SQSEvent,
  services: RouteInboundServices,
): Promise<SQSBatchResponse> {
  const conversations = new Map<string, { record: SQSRecord; checked: ReturnType<typeof parseRecord> }[]>();
  for (const record of event.Records) {
    const checked = parseRecord(record);
    const group = 'message' in checked ? conversationGroupOf(checked.message) : `record:${record.messageId}`;
    const members = conversations.get(group) ?? [];
    members.push({ record, checked });
    conversations.set(group, members);
  }
  // A chat's lines in the order they were written: a batch that holds the member's first line and
  // a staff answer overtaken by it records the member's line first, and the answer joins its case.
  for (const members of conversations.values()) members.sort(byChatLineTime);
  const failed = new Set<string>();
  const queue = [...conversations.values()];
  const workers = Math.max(1, Math.min(services.concurrency ?? 1, queue.length));
  await Promise.all(
    Array.from({ length: workers }, async () => {
      for (let members = queue.shift(); members; members = queue.shift()) {
        for (const { record, checked } of members) {
          if (!(await routeRecord(record, checked, services))) failed.add(record.messageId);
        }
      }
    }),
  );
  return {
    batchItemFailures: event.Records.filter((record) => failed.has(record.messageId)).map((record) => ({
      itemIdentifier: record.messageId,
    })),
  };
}

let services: RouteInboundServices | undefined;

export async function handler(event: SQSEvent): Promise<SQSBatchResponse> {
  services ??= buildRouteInboundServices();
  try {
    return await handleInboundBatch(event, services);
  } finally {
    metrics.publishStoredMetrics();
  }
}
