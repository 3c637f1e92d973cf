import {
  ChangeMessageVisibilityCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';

/** Seconds before a failed record is offered again locally (AWS waits the visibility timeout). */
const LOCAL_RETRY_DELAY_SECONDS = 2;

function toRecord(message: Message, queueArn: string): SQSRecord {
  const attributes = message.Attributes ?? {};
  return {
    messageId: message.MessageId ?? '',
    receiptHandle: message.ReceiptHandle ?? '',
    body: message.Body ?? '',
    attributes: {
      ApproximateReceiveCount: attributes.ApproximateReceiveCount ?? '1',
      SentTimestamp: attributes.SentTimestamp ?? String(Date.now()),
      SenderId: attributes.SenderId ?? 'local',
      ApproximateFirstReceiveTimestamp: attributes.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
    },
    messageAttributes: Object.fromEntries(
      Object.entries(message.MessageAttributes ?? {}).map(([name, value]) => [
        name,
        {
          dataType: value.DataType ?? 'String',
          ...(value.StringValue ? { stringValue: value.StringValue } : {}),
        },
      ]),
    ),
    md5OfBody: message.MD5OfBody ?? '',
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: 'us-east-1',
  };
}

/**
 * Plays Lambda's SQS event-source role locally: receive a batch, call the same handler function
 * AWS calls, delete what succeeded and let the failures come back (and reach the DLQ by redrive).
 */
export class SqsPoller {
  readonly #client: SQSClient;
  readonly #queueUrl: string;
  readonly #handle: (event: SQSEvent) => Promise<SQSBatchResponse>;
  #running = false;
  #loop: Promise<void> | undefined;

  constructor(client: SQSClient, queueUrl: string, handle: (event: SQSEvent) => Promise<SQSBatchResponse>) {
    this.#client = client;
    this.#queueUrl = queueUrl;
    this.#handle = handle;
  }

  /** Receives and handles one batch; returns how many records it saw. */
  async pollOnce(waitTimeSeconds = 0): Promise<number> {
    const received = await this.#client.send(
      new ReceiveMessageCommand({
        QueueUrl: this.#queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: waitTimeSeconds,
        MessageSystemAttributeNames: ['All'],
        MessageAttributeNames: ['All'],
      }),
    );
    const messages = received.Messages ?? [];
    if (messages.length === 0) return 0;
    const records = messages.map((message) => toRecord(message, this.#queueUrl));
    let failed = new Set<string>();
    try {
      const response = await this.#handle({ Records: records });
      failed = new Set(response.batchItemFailures.map((failure) => failure.itemIdentifier));
    } catch {
      failed = new Set(records.map((record) => record.messageId)); // a thrown handler fails the whole batch
    }
    const succeeded = records.filter((record) => !failed.has(record.messageId));
    if (succeeded.length > 0) {
      await this.#client.send(
        new DeleteMessageBatchCommand({
          QueueUrl: this.#queueUrl,
          Entries: succeeded.map((record, index) => ({
            Id: String(index),
            ReceiptHandle: record.receiptHandle,
          })),
        }),
      );
    }
    for (const record of records.filter((candidate) => failed.has(candidate.messageId))) {
      await this.#client.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: this.#queueUrl,
          ReceiptHandle: record.receiptHandle,
          VisibilityTimeout: LOCAL_RETRY_DELAY_SECONDS,
        }),
      );
    }
    return records.length;
  }

  /** Handles everything visible now, until the queue has no visible or in-flight messages. */
  async drain(timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const seen = await this.pollOnce(0);
      if (seen > 0) continue;
      const attributes = await this.#client.send(
        new GetQueueAttributesCommand({
          QueueUrl: this.#queueUrl,
          AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
        }),
      );
      const visible = Number(attributes.Attributes?.ApproximateNumberOfMessages ?? 0);
      const inFlight = Number(attributes.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0);
      if (visible === 0 && inFlight === 0) return;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new Error(`queue ${this.#queueUrl} did not drain in ${timeoutMs} ms`);
  }

  /**
   * Polls in the background with `loops` receive loops at once, as Lambda's SQS event source runs
   * several invocations of the function at once (the stack's `routeMaxConcurrency`, default 5): one
   * loop would make each batch wait for the slowest record of the batch before it.
   */
  start(loops = 1): void {
    if (this.#running) return;
    this.#running = true;
    const loop = async () => {
      while (this.#running) {
        try {
          await this.pollOnce(1);
        } catch (error) {
          if (this.#running) console.error(`[poller] ${(error as Error).message}`);
          await new Promise((resolve) => setTimeout(resolve, 500));
        }
      }
    };
    this.#loop = Promise.all(Array.from({ length: Math.max(1, loops) }, loop)).then(() => undefined);
  }

  async stop(): Promise<void> {
    this.#running = false;
    await this.#loop;
  }
}
