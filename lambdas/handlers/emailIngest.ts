import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { SESEvent } from 'aws-lambda';
import { endpointsFromEnvironment } from '../adapters/aws/awsEndpoints.js';
import { s3Client } from '../adapters/aws/s3Client.js';
import { sqsClient } from '../adapters/aws/sqsClient.js';
import { DESK_METRICS } from '../adapters/metrics/deskMetricNames.js';
import { PowertoolsDeskMetrics } from '../adapters/metrics/PowertoolsDeskMetrics.js';
import { PostalMimeEmailParser } from '../adapters/mime/PostalMimeEmailParser.js';
import { S3BlobStore } from '../adapters/s3/S3BlobStore.js';
import { SqsFaxJobQueue } from '../adapters/sqs/SqsFaxJobQueue.js';
import { SqsInboundQueue } from '../adapters/sqs/SqsInboundQueue.js';
import {
  type AcceptEmailOutcome,
  type AcceptEmailServices,
  acceptEmail,
  type EmailReceipt,
} from '../domain/ingest/acceptEmail.js';
import * as z from '../domain/zodMini.js';
import { loadConfig } from './loadConfig.js';

const ConfigSchema = z.object({
  RAW_BUCKET: z.string().check(z.minLength(1)),
  RAW_EMAIL_PREFIX: z._default(z.string(), 'email/'),
  INBOUND_QUEUE_URL: z.url(),
  /** The OCR step's queue: mail to a fax address with PDF/TIFF pages is a fax (absent: no fax-to-email). */
  FAX_JOB_QUEUE_URL: z.optional(z.url()),
  /** The desk's own domains (a DMARC failure from one, or a look-alike, is possible spoofing). */
  DESK_DOMAINS: z._default(z.string(), ''),
  /** The addresses fax services mail received faxes to. */
  FAX_EMAIL_ADDRESSES: z._default(z.string(), ''),
});

const list = (value: string) =>
  value
    .split(',')
    .map((entry) => entry.trim().toLowerCase())
    .filter(Boolean);

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
    ...(config.FAX_JOB_QUEUE_URL
      ? { faxJobs: new SqsFaxJobQueue(sqsClient(endpoints), config.FAX_JOB_QUEUE_URL) }
      : {}),
    desk: { domains: list(config.DESK_DOMAINS), faxAddresses: list(config.FAX_EMAIL_ADDRESSES) },
  };
}

// Each part of the receipt is read on its own (`.catch`): a status SES adds tomorrow, or one odd
// field, makes that verdict absent, never the whole receipt (a virus FAIL and the recipients with it).
const VerdictSchema = z.catch(
  z.optional(z.object({ status: z.enum(['PASS', 'FAIL', 'GRAY', 'PROCESSING_FAILED', 'DISABLED']) })),
  undefined,
);
const ReceiptSchema = z.object({
  recipients: z.pipe(
    z.catch(z._default(z.array(z.unknown()), []), []),
    z.transform((recipients: unknown[]) => recipients.filter((recipient) => typeof recipient === 'string')),
  ),
  spamVerdict: VerdictSchema,
  virusVerdict: VerdictSchema,
  spfVerdict: VerdictSchema,
  dkimVerdict: VerdictSchema,
  dmarcVerdict: VerdictSchema,
  dmarcPolicy: z.catch(z.optional(z.string().check(z.maxLength(20))), undefined),
});

/** The envelope sender SES reports (`mail.source`, SMTP MAIL FROM); a bounce's empty one is absent. */
const EnvelopeSenderSchema = z.catch(
  z.optional(z.string().check(z.minLength(3), z.maxLength(512), z.includes('@'))),
  undefined,
);

/**
 * SES's scan verdicts and recipients, read with zod (an unknown status makes only that verdict
 * absent), and the envelope sender from the event's `mail` (what the SPF verdict is about).
 */
export function receiptOf(receipt: unknown, mail?: unknown): EmailReceipt | undefined {
  const parsed = ReceiptSchema.safeParse(receipt);
  if (!parsed.success) return undefined;
  const { data } = parsed;
  const envelopeSender = EnvelopeSenderSchema.parse((mail as { source?: unknown } | undefined)?.source);
  return {
    recipients: data.recipients,
    ...(envelopeSender ? { envelopeSender } : {}),
    verdicts: {
      ...(data.spamVerdict ? { spam: data.spamVerdict.status } : {}),
      ...(data.virusVerdict ? { virus: data.virusVerdict.status } : {}),
      ...(data.spfVerdict ? { spf: data.spfVerdict.status } : {}),
      ...(data.dkimVerdict ? { dkim: data.dkimVerdict.status } : {}),
      ...(data.dmarcVerdict ? { dmarc: data.dmarcVerdict.status } : {}),
      ...(data.dmarcVerdict?.status === 'FAIL' && data.dmarcPolicy ? { dmarcPolicy: data.dmarcPolicy } : {}),
    },
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
      receiptOf(record.ses.receipt, record.ses.mail),
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
    // A fax-to-email was accepted too (its documents went to the OCR step): only quarantine alarms.
    for (const { outcome } of await handleEmailReceipt(event, services))
      deskMetrics.webhookOutcome('email', outcome);
  } finally {
    metrics.publishStoredMetrics();
  }
}
