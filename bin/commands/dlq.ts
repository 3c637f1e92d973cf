import { parseArgs } from 'node:util';
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  type Message,
  type MessageAttributeValue,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { z } from 'zod';
import { endpointsFromEnvironment } from '../../lambdas/adapters/aws/awsEndpoints.js';
import { sqsClient } from '../../lambdas/adapters/aws/sqsClient.js';
import type { CommandIo } from '../contact-router.js';

const USAGE = `usage: contact-router dlq <stats|peek|redrive> [options]

  stats    --queue <url>                          messages waiting and in flight
  peek     --queue <url> [--max <n>]               each message's id, age, receive count and failure
                                                   reason (never its body: bodies hold PHI)
  redrive  --from <dlq url> --to <queue url> [--max <n>] [--dry-run]
                                                   moves messages back for another try: each is sent
                                                   to --to first and deleted from --from only once
                                                   SQS accepted it (a crash in between duplicates a
                                                   message, routing is idempotent; nothing is lost)

  --endpoint <url>  an SQS endpoint (local mode: the SQS_ENDPOINT it prints); AWS credentials and
                    region otherwise come from the usual AWS environment
  --region <name>   the queues' region (default: AWS_REGION)

  The queue URLs are stack outputs: InboundDeadLetterQueueUrl, InboundQueueUrl.
`;

/** A usage or input problem: reported on stderr with exit code 2. */
class DlqUsageError extends Error {
  override readonly name = 'DlqUsageError';
}

// Lambda's asynchronous-invocation DLQ marks its records with these attributes: their body is the
// original event (an SES receipt), not an InboundMessage; sending it to the inbound queue would only
// park it again. It has to be replayed to the function instead.
const LAMBDA_FAILURE_ATTRIBUTES = ['RequestID', 'ErrorCode', 'ErrorMessage'];

const QueueUrl = z.url({
  message: 'expected a queue URL (https://sqs.<region>.amazonaws.com/<account>/<name>)',
});
const Count = z.coerce.number().int().positive();

export interface RedriveReport {
  moved: number;
  /** Messages SQS refused to take at the destination: left in the DLQ, visible again at once. */
  refused: number;
  /** Lambda failure records, left in the DLQ (they cannot be redriven to a queue). */
  skipped: number;
  /**
   * Moved, but still in the DLQ: SQS refused the delete (a receipt handle that expired after the
   * 60 s hold, another redrive holding the message). A later redrive sends them again; the route
   * stage records each message once, so that costs a duplicate delivery, not a duplicate case.
   */
  notRemoved: number;
}

/** What one dead letter says about itself, without its body. */
export interface DeadLetterSummary {
  messageId: string;
  sentAt?: string;
  receiveCount?: number;
  bodyBytes: number;
  failureReason?: string;
  sourceMessageId?: string;
}

function summary(message: Message): DeadLetterSummary {
  const attributes = message.MessageAttributes ?? {};
  const sent = Number(message.Attributes?.SentTimestamp);
  return {
    messageId: message.MessageId ?? '',
    ...(Number.isFinite(sent) ? { sentAt: new Date(sent).toISOString() } : {}),
    ...(message.Attributes?.ApproximateReceiveCount
      ? { receiveCount: Number(message.Attributes.ApproximateReceiveCount) }
      : {}),
    bodyBytes: Buffer.byteLength(message.Body ?? ''),
    ...(attributes.failureReason?.StringValue ? { failureReason: attributes.failureReason.StringValue } : {}),
    ...(attributes.ErrorMessage?.StringValue ? { failureReason: attributes.ErrorMessage.StringValue } : {}),
    ...(attributes.sourceMessageId?.StringValue
      ? { sourceMessageId: attributes.sourceMessageId.StringValue }
      : {}),
  };
}

async function receive(client: SQSClient, queueUrl: string, max: number, visibilitySeconds: number) {
  const result = await client.send(
    new ReceiveMessageCommand({
      QueueUrl: queueUrl,
      MaxNumberOfMessages: Math.min(10, max),
      VisibilityTimeout: visibilitySeconds,
      WaitTimeSeconds: 1,
      MessageAttributeNames: ['All'],
      MessageSystemAttributeNames: ['All'],
    }),
  );
  return result.Messages ?? [];
}

/** Messages waiting and in flight. */
export async function queueStats(
  client: SQSClient,
  queueUrl: string,
): Promise<{ waiting: number; inFlight: number }> {
  const result = await client.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return {
    waiting: Number(result.Attributes?.ApproximateNumberOfMessages ?? 0),
    inFlight: Number(result.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0),
  };
}

/** Up to `max` dead letters, described without their bodies; they stay in the queue, visible again at once. */
export async function peek(client: SQSClient, queueUrl: string, max: number): Promise<DeadLetterSummary[]> {
  const seen = new Map<string, Message>();
  // Hold each batch out of sight while reading on, so the next receive returns other messages.
  while (seen.size < max) {
    const batch = await receive(client, queueUrl, max - seen.size, 30);
    const fresh = batch.filter((message) => message.MessageId && !seen.has(message.MessageId));
    if (fresh.length === 0) break;
    for (const message of fresh) seen.set(message.MessageId ?? '', message);
  }
  await releaseAll(client, queueUrl, [...seen.values()]);
  return [...seen.values()].map(summary);
}

async function releaseAll(client: SQSClient, queueUrl: string, messages: Message[]): Promise<void> {
  for (let start = 0; start < messages.length; start += 10) {
    const batch = messages.slice(start, start + 10).filter((message) => message.ReceiptHandle);
    if (batch.length === 0) continue;
    await client.send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl: queueUrl,
        Entries: batch.map((message, index) => ({
          Id: String(index),
          ReceiptHandle: message.ReceiptHandle ?? '',
          VisibilityTimeout: 0,
        })),
      }),
    );
  }
}

/**
 * Moves up to `max` messages from `from` to `to`, body and message attributes unchanged. A message is
 * deleted from `from` only after `to` accepted it; one `to` refused stays in `from`, visible again.
 */
export async function redrive(
  client: SQSClient,
  options: { from: string; to: string; max: number },
): Promise<RedriveReport> {
  const report: RedriveReport = { moved: 0, refused: 0, skipped: 0, notRemoved: 0 };
  const held: Message[] = [];
  while (report.moved + report.refused < options.max) {
    const batch = await receive(client, options.from, options.max - report.moved - report.refused, 60);
    if (batch.length === 0) break;
    const movable = batch.filter((message) => {
      const lambdaRecord = LAMBDA_FAILURE_ATTRIBUTES.some((name) => message.MessageAttributes?.[name]);
      if (lambdaRecord) held.push(message);
      return !lambdaRecord;
    });
    report.skipped += batch.length - movable.length;
    if (movable.length === 0) continue;
    const sent = await client.send(
      new SendMessageBatchCommand({
        QueueUrl: options.to,
        Entries: movable.map((message, index) => ({
          Id: String(index),
          MessageBody: message.Body ?? '',
          ...(message.MessageAttributes
            ? { MessageAttributes: sendableAttributes(message.MessageAttributes) }
            : {}),
        })),
      }),
    );
    const accepted = new Set((sent.Successful ?? []).map((entry) => entry.Id));
    const moved = movable.filter((_, index) => accepted.has(String(index)));
    const refused = movable.filter((_, index) => !accepted.has(String(index)));
    if (moved.length > 0) {
      const deleted = await client.send(
        new DeleteMessageBatchCommand({
          QueueUrl: options.from,
          Entries: moved.map((message, index) => ({
            Id: String(index),
            ReceiptHandle: message.ReceiptHandle ?? '',
          })),
        }),
      );
      report.notRemoved += deleted.Failed?.length ?? 0;
    }
    held.push(...refused);
    report.moved += moved.length;
    report.refused += refused.length;
  }
  // What was not moved is made visible again at once rather than after the 60 s hold.
  await releaseAll(client, options.from, held);
  return report;
}

/** Attributes as SendMessage takes them (the received ones carry list fields SQS rejects when empty). */
function sendableAttributes(
  attributes: Record<string, MessageAttributeValue>,
): Record<string, MessageAttributeValue> {
  return Object.fromEntries(
    Object.entries(attributes).map(([name, value]) => [
      name,
      {
        DataType: value.DataType ?? 'String',
        ...(value.StringValue !== undefined ? { StringValue: value.StringValue } : {}),
        ...(value.BinaryValue !== undefined ? { BinaryValue: value.BinaryValue } : {}),
      },
    ]),
  );
}

function clientFor(values: { endpoint?: string | undefined; region?: string | undefined }): SQSClient {
  const fromEnvironment = endpointsFromEnvironment(process.env);
  const endpoint = values.endpoint ?? fromEnvironment.sqs;
  const region = values.region ?? fromEnvironment.region;
  return sqsClient({ ...(endpoint ? { sqs: endpoint } : {}), ...(region ? { region } : {}) });
}

function required(name: string, value: string | undefined): string {
  if (!value) throw new DlqUsageError(`--${name} is required`);
  const parsed = QueueUrl.safeParse(value);
  if (!parsed.success)
    throw new DlqUsageError(
      `--${name}: ${parsed.error.issues[0]?.message}; received ${JSON.stringify(value)}`,
    );
  return parsed.data;
}

export async function run(args: string[], io: CommandIo): Promise<number> {
  const [action, ...rest] = args;
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: rest,
      options: {
        queue: { type: 'string' },
        from: { type: 'string' },
        to: { type: 'string' },
        max: { type: 'string' },
        'dry-run': { type: 'boolean' },
        endpoint: { type: 'string' },
        region: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (error) {
    io.stderr.write(`${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`);
    return 2;
  }
  if (!action || values.help || !['stats', 'peek', 'redrive'].includes(action)) {
    io.stderr.write(action && !values.help ? `unknown dlq action "${action}"\n\n${USAGE}` : USAGE);
    return values.help ? 0 : 2;
  }
  try {
    const max = values.max === undefined ? undefined : Count.safeParse(values.max);
    if (max && !max.success)
      throw new DlqUsageError(`--max must be a positive whole number; received ${values.max}`);
    const client = clientFor({
      endpoint: typeof values.endpoint === 'string' ? values.endpoint : undefined,
      region: typeof values.region === 'string' ? values.region : undefined,
    });
    const text = (name: string) => (typeof values[name] === 'string' ? values[name] : undefined);
    if (action === 'stats') {
      const stats = await queueStats(client, required('queue', text('queue')));
      io.stdout.write(`${stats.waiting} waiting, ${stats.inFlight} in flight\n`);
      return 0;
    }
    if (action === 'peek' || values['dry-run']) {
      const queueUrl = action === 'peek' ? required('queue', text('queue')) : required('from', text('from'));
      if (action === 'redrive') required('to', text('to'));
      const letters = await peek(client, queueUrl, max?.data ?? 10);
      for (const letter of letters) io.stdout.write(`${JSON.stringify(letter)}\n`);
      if (action === 'redrive')
        io.stdout.write(`dry run: ${letters.length} message(s) would be redriven (up to --max)\n`);
      return 0;
    }
    const report = await redrive(client, {
      from: required('from', text('from')),
      to: required('to', text('to')),
      max: max?.data ?? Number.POSITIVE_INFINITY,
    });
    io.stdout.write(`moved ${report.moved}, refused ${report.refused}, skipped ${report.skipped}\n`);
    if (report.notRemoved > 0) {
      io.stderr.write(
        `${report.notRemoved} moved message(s) could not be removed from the DLQ (SQS refused the delete: a receipt that expired, or another redrive holding them). A later redrive sends them again; the route stage records each message once.\n`,
      );
    }
    if (report.skipped > 0) {
      io.stderr.write(
        `${report.skipped} message(s) are Lambda failure records (an SES receipt event, not an inbound message): they stay in the queue. Fix the cause, then replay each body to the email ingest function (aws lambda invoke --function-name <EmailIngest> --payload fileb://event.json).\n`,
      );
    }
    return report.refused > 0 || report.notRemoved > 0 ? 1 : 0;
  } catch (error) {
    if (error instanceof DlqUsageError) {
      io.stderr.write(`${error.message}\n\n${USAGE}`);
      return 2;
    }
    io.stderr.write(
      `dlq ${action} failed: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}\n`,
    );
    return 1;
  }
}
