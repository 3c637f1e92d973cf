import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { SQSEvent } from 'aws-lambda';
import * as z from 'zod';
import { type AwsEndpoints, s3Client, sqsClient } from '../adapters/awsClients.js';
import { FaxPageImageStore } from '../adapters/fax/FaxPageImageStore.js';
import { TesseractOcrEngine } from '../adapters/ocr/TesseractOcrEngine.js';
import { INBOUND_QUEUE, RAW_CONTENT } from '../adapters/resourceDefinitions.js';
import { S3BlobStore } from '../adapters/s3/S3BlobStore.js';
import { type ChannelSecrets, loadChannelSecrets } from '../adapters/secrets/channelSecrets.js';
import { SqsDeadLetters } from '../adapters/sqs/SqsDeadLetters.js';
import { SqsFaxJobQueue } from '../adapters/sqs/SqsFaxJobQueue.js';
import { SqsInboundQueue } from '../adapters/sqs/SqsInboundQueue.js';
import { createStaffApp } from '../api/app.js';
import type { SweepReport } from '../domain/cases/slaSweep.js';
import { errorForLog } from '../domain/errorForLog.js';
import type { OcrEngine } from '../domain/fax/ocr.js';
import { ChannelSchema } from '../domain/inboundMessage.js';
import { QUARANTINE_PREFIX, RawEmailMissingError } from '../domain/ingest/acceptEmail.js';
import { type Clock, systemClock } from '../domain/ports.js';
import { buildChatServices, handleChatEvent } from '../handlers/chat.js';
import { buildEmailIngestServices, handleEmailReceipt } from '../handlers/emailIngest.js';
import { faxServicesWith, handleFaxWebhook } from '../handlers/fax.js';
import { handleFaxOcrBatch } from '../handlers/faxOcr.js';
import { buildFormServices, handleForm } from '../handlers/form.js';
import { buildRouteInboundServices, handleInboundBatch } from '../handlers/routeInbound.js';
import { buildSweeperServices, handleSweep } from '../handlers/slaSweeper.js';
import { buildStaffApiServices, handleStaffRequest, staffApiLog } from '../handlers/staffApi.js';
import {
  type AcceptedJournal,
  FileAcceptedJournal,
  InMemoryAcceptedJournal,
  type JournalEntry,
  journaledFaxJobQueue,
  journaledInboundQueue,
  journalKeyOf,
} from './acceptedJournal.js';
import { DATA_LAYOUT } from './dataDirectory.js';
import { DeadLetterArchive } from './deadLetterArchive.js';
import { devTokenAuthenticate } from './devTokens.js';
import { createGatewayApp, serveGateway } from './gateway.js';
import { type LocalResources, provisionResources } from './provisionResources.js';
import { localBlobStore, putRawObject } from './rawMailUpload.js';
import { sesReceiptEvent } from './sesEvents.js';
import { SqsPoller } from './sqsPoller.js';

export interface LocalRouterOptions {
  endpoints: AwsEndpoints;
  port?: number;
  /** Resource name prefix: tests use their own so runs never share state. */
  prefix?: string;
  maxEmailBytes?: number;
  /** Start the background poller and sweeper (local mode); tests drain and sweep explicitly instead. */
  poll?: boolean;
  /** How often local mode sweeps SLA timers (AWS: every minute by schedule). */
  sweepIntervalMs?: number;
  /** The clock every handler uses; tests pass a fake one. */
  clock?: Clock;
  /**
   * Where the journal of accepted messages and the dead-letter copies live (the emulators keep
   * theirs beside them); absent = in memory, nothing survives the process.
   */
  dataDirectory?: string;
  /** Failures and start-up notes; never message content. */
  log?: (line: string) => void;
  /** Fax provider and chat widget secrets (default: the environment, as `loadChannelSecrets` reads it). */
  channelSecrets?: ChannelSecrets;
  /** The OCR engine of the fax step (default: offline Tesseract with the npm language data). */
  ocr?: OcrEngine;
}

export interface LocalRouter {
  url: string;
  resources: LocalResources;
  env: NodeJS.ProcessEnv;
  /** What the gateway acknowledged that the route stage has not recorded yet. */
  journal: AcceptedJournal;
  /** What start-up found to replay: accepted messages re-ingested, dead letters put back. */
  recovered: { replayed: number; deadLetters: number; unrecoverable: number };
  /** Routes everything waiting in the inbound queue now. */
  drain: (timeoutMs?: number) => Promise<void>;
  /** Runs one SLA sweep now, as the schedule would. */
  sweep: () => Promise<SweepReport>;
  stop: () => Promise<void>;
}

/** The environment each Lambda gets in AWS, pointed at the local emulators. */
export function localEnvironment(endpoints: AwsEndpoints, resources: LocalResources): NodeJS.ProcessEnv {
  return {
    ...process.env,
    AWS_REGION: endpoints.region ?? 'us-east-1',
    DYNAMODB_ENDPOINT: endpoints.dynamodb,
    SQS_ENDPOINT: endpoints.sqs,
    S3_ENDPOINT: endpoints.s3,
    SES_ENDPOINT: endpoints.ses,
    TABLE_NAME: resources.tableName,
    INBOUND_QUEUE_URL: resources.inboundQueueUrl,
    DEAD_LETTER_QUEUE_URL: resources.deadLetterQueueUrl,
    MAX_RECEIVE_COUNT: String(INBOUND_QUEUE.maxReceiveCount),
    RAW_BUCKET: resources.rawBucket,
    RAW_EMAIL_PREFIX: RAW_CONTENT.emailPrefix,
    NOTIFY_FROM: process.env.NOTIFY_FROM ?? 'sla-alerts@pharmacy.example',
    FAX_JOB_QUEUE_URL: resources.faxOcrQueueUrl,
    FAX_MEDIA_ALLOW_LOOPBACK_HTTP: 'true',
    RATE_LIMIT_TABLE_NAME: resources.rateLimitTableName,
    DESK_DOMAINS: process.env.DESK_DOMAINS ?? 'pharmacy.example',
    FAX_EMAIL_ADDRESSES: process.env.FAX_EMAIL_ADDRESSES ?? 'fax@pharmacy.example',
  };
}

/**
 * The chat widget's signing secret in local mode when none is configured (`CHAT_WIDGET_SECRETS`):
 * a fixed development value, like the dev staff tokens; AWS reads the real one from Secrets Manager.
 */
export const LOCAL_DEV_CHAT_WIDGET_SECRET = 'local-dev-chat-widget-secret-do-not-use-in-aws';

/** The fields of a queued record that name its journal entry; anything else in the body is ignored. */
const QueuedIdentitySchema = z.object({
  channel: ChannelSchema,
  externalId: z.string(),
  rawBlobKey: z.string().optional(),
});

function journalKeyOfRecord(body: string): string | undefined {
  try {
    const parsed = QueuedIdentitySchema.safeParse(JSON.parse(body));
    return parsed.success ? journalKeyOf(parsed.data) : undefined;
  } catch {
    return undefined; // not JSON: parked by the route stage, never journaled by the gateway
  }
}

/** Replays one accepted message into the pipeline: 'queued' again, 'settled', or 'kept' to retry. */
type Replay = (entry: JournalEntry) => Promise<'queued' | 'settled' | 'kept'>;

/** Route-stage invocations at once locally: the stack's default SQS event source maximum concurrency. */
const LOCAL_ROUTE_LOOPS = 5;

/** Local mode: the gateway and the poller around the same handler functions AWS runs. */
export async function startLocalRouter(options: LocalRouterOptions): Promise<LocalRouter> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const resources = await provisionResources(options.endpoints, options.prefix);
  const env = localEnvironment(options.endpoints, resources);
  const clock = options.clock ?? systemClock;
  const journal: AcceptedJournal = options.dataDirectory
    ? new FileAcceptedJournal(path.join(options.dataDirectory, DATA_LAYOUT.journal))
    : new InMemoryAcceptedJournal();
  const sqs = sqsClient(options.endpoints);
  const s3 = s3Client(options.endpoints);
  // The queues the channels hand their work to; what a channel acknowledges is journaled first.
  const inboundQueue = new SqsInboundQueue(sqs, resources.inboundQueueUrl);
  const faxJobQueue = new SqsFaxJobQueue(sqs, resources.faxOcrQueueUrl);
  const journaledFaxJobs = journaledFaxJobQueue(journal, faxJobQueue);
  // Raw content larger than fauxqs takes in one request (attachments, faxed documents) goes up in parts.
  const rawContent = localBlobStore(s3, resources.rawBucket);
  const emailBase = buildEmailIngestServices(env);
  const emailServices = {
    ...emailBase,
    blobStore: rawContent,
    ...(emailBase.faxJobs ? { faxJobs: journaledFaxJobs } : {}),
  };
  const routeBase = buildRouteInboundServices(env);
  const deadLetterArchive = options.dataDirectory
    ? new DeadLetterArchive(path.join(options.dataDirectory, DATA_LAYOUT.deadLetters))
    : undefined;
  const routeServices = {
    ...routeBase,
    clock,
    deadLetters: {
      // The copy on disk first: the DLQ itself is in fauxqs's memory.
      park: async (body: string, reason: string, sourceMessageId: string) => {
        await deadLetterArchive?.record({
          body,
          reason,
          sourceMessageId,
          parkedAt: new Date().toISOString(),
        });
        await routeBase.deadLetters.park(body, reason, sourceMessageId);
      },
    },
  };
  const staffServices = { ...buildStaffApiServices(env), clock };
  const sweeperServices = { ...buildSweeperServices(env), clock };
  const sweep = () => handleSweep(sweeperServices);
  const channelSecrets = options.channelSecrets ?? (await loadChannelSecrets(env)).secrets;
  const faxServices = {
    ...faxServicesWith(env, channelSecrets),
    blobStore: rawContent,
    faxJobs: journaledFaxJobs,
    clock,
  };
  const chatServices = {
    ...(await buildChatServices({
      ...env,
      CHAT_WIDGET_SECRETS: (channelSecrets.chatWidgetSecrets ?? [LOCAL_DEV_CHAT_WIDGET_SECRET]).join(','),
    })),
    inboundQueue: journaledInboundQueue(journal, inboundQueue),
    clock,
  };
  const formServices = {
    // Locally the limiter's key lives as long as the process (its limits reset at a restart).
    ...(await buildFormServices({ FORM_LIMITER_KEY: randomBytes(32).toString('hex'), ...env })),
    // A reused submissionId is refused by an atomic create, which fauxqs alone does not give.
    blobStore: rawContent,
    inboundQueue: journaledInboundQueue(journal, inboundQueue),
    clock,
  };
  const ownOcr = options.ocr
    ? undefined
    : new TesseractOcrEngine(new S3BlobStore(s3Client(options.endpoints), resources.rawBucket));
  const faxOcrServices = {
    ocr: options.ocr ?? (ownOcr as OcrEngine),
    inboundQueue,
    pageImages: new FaxPageImageStore(new S3BlobStore(s3, resources.rawBucket)),
  };
  const ingestEmail = (event: ReturnType<typeof sesReceiptEvent>) => handleEmailReceipt(event, emailServices);

  // Settle what the route stage finished; a failed record stays journaled (SQS retries it, and a
  // restart replays it even after the in-memory DLQ is gone).
  const poller = new SqsPoller(sqs, resources.inboundQueueUrl, async (event: SQSEvent) => {
    const response = await handleInboundBatch(event, routeServices);
    const failed = new Set(response.batchItemFailures.map((failure) => failure.itemIdentifier));
    for (const record of event.Records) {
      if (failed.has(record.messageId)) continue;
      const key = journalKeyOfRecord(record.body);
      if (key) await journal.settle(key);
      // A dead letter redriven into this queue carries the id it was parked under: its copy on
      // disk is done with too (else every start would put a routed message back into the DLQ).
      const parkedAs = record.messageAttributes.sourceMessageId?.stringValue;
      if (parkedAs) await deadLetterArchive?.discard(parkedAs, record.body);
    }
    return response;
  });

  const faxPoller = new SqsPoller(sqs, resources.faxOcrQueueUrl, (event: SQSEvent) =>
    handleFaxOcrBatch(event, faxOcrServices),
  );

  const replay: Replay = async (entry) => {
    // Chat lines and forms come back as the message they were; faxes go back to the OCR step. The
    // route stage keeps one case per inbound key, so one that was routed before the kill settles.
    if (entry.replay?.kind === 'inbound') {
      await inboundQueue.enqueue(entry.replay.message);
      return 'queued';
    }
    if (entry.replay?.kind === 'faxJob') {
      await faxJobQueue.enqueue(entry.replay.job);
      return 'queued';
    }
    if (entry.channel !== 'email') return 'kept';
    try {
      const [outcome] = await ingestEmail(
        sesReceiptEvent(entry.sourceId, new Date(entry.receivedAt), entry.recipients),
      );
      // Fax-to-email: the documents' fax jobs were journaled on their own.
      return outcome?.outcome === 'queued' ? 'queued' : 'settled';
    } catch (error) {
      if (!(error instanceof RawEmailMissingError)) throw error;
      // Quarantined just before the kill: the raw mail moved, with its reason, and was answered 422.
      return (await rawContent.get(`${QUARANTINE_PREFIX}${entry.key}`)) ? 'settled' : 'kept';
    }
  };
  const recovered = { replayed: 0, deadLetters: 0, unrecoverable: 0 };
  for (const letter of (await deadLetterArchive?.all()) ?? []) {
    await new SqsDeadLetters(sqs, resources.deadLetterQueueUrl).park(
      letter.body,
      letter.reason,
      letter.sourceMessageId,
    );
    recovered.deadLetters++;
  }
  for (const entry of await journal.pending()) {
    const result = await replay(entry);
    if (result === 'settled') await journal.settle(entry.key);
    if (result === 'queued') recovered.replayed++;
    if (result === 'kept') {
      recovered.unrecoverable++;
      log(
        `[journal] accepted ${entry.channel} message ${entry.sourceId} cannot be replayed; its entry is kept`,
      );
    }
  }

  const app = createGatewayApp({
    putRawEmail: (key, raw) => putRawObject(s3, resources.rawBucket, key, raw),
    rawEmailPrefix: RAW_CONTENT.emailPrefix,
    maxEmailBytes: options.maxEmailBytes ?? RAW_CONTENT.maxEmailBytes,
    journal,
    ingestEmail,
    staffRequest: (event) => handleStaffRequest(event, staffServices),
    staffApp: createStaffApp({
      services: staffServices,
      authenticate: devTokenAuthenticate(),
      log: staffApiLog,
    }),
    clock,
    log,
    channels: {
      fax: (provider, request) => handleFaxWebhook(provider, request, faxServices),
      chat: (request) => handleChatEvent(request, chatServices),
      form: (request) => handleForm(request, formServices),
    },
  });
  const gateway = await serveGateway(app, options.port ?? 0);
  let sweeper: NodeJS.Timeout | undefined;
  if (options.poll) {
    poller.start(LOCAL_ROUTE_LOOPS);
    faxPoller.start();
    sweeper = setInterval(() => {
      sweep().catch((error: unknown) => {
        const { name, message } = errorForLog(error);
        log(`[sweeper] ${name}: ${message}`);
      });
    }, options.sweepIntervalMs ?? 60_000);
  }
  return {
    url: gateway.url,
    resources,
    env,
    journal,
    recovered,
    // Faxes first: the OCR step queues their messages for routing.
    drain: async (timeoutMs) => {
      await faxPoller.drain(timeoutMs);
      await poller.drain(timeoutMs);
    },
    sweep,
    stop: async () => {
      clearInterval(sweeper);
      await poller.stop();
      await faxPoller.stop();
      await gateway.close();
      await ownOcr?.stop();
    },
  };
}
