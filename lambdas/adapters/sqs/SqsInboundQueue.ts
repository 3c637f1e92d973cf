import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { InboundMessage } from '../../domain/inboundMessage.js';
import type { InboundQueue } from '../../domain/ports.js';

// An SQS message body is at most 256 KiB and a character can take 6 bytes in JSON; the text is capped so the
// canonical message always fits: the raw original stays in S3.
const MAX_BODY_TEXT = 60_000;

/** The `inbound` queue between ingest and routing. */
export class SqsInboundQueue implements InboundQueue {
  readonly #client: SQSClient;
  readonly #queueUrl: string;

  constructor(client: SQSClient, queueUrl: string) {
    this.#client = client;
    this.#queueUrl = queueUrl;
  }

  async enqueue(message: InboundMessage): Promise<void> {
    const body = { ...message, bodyText: message.bodyText.slice(0, MAX_BODY_TEXT) };
    await this.#client.send(
      new SendMessageCommand({
        QueueUrl: this.#queueUrl,
        MessageBody: JSON.stringify(body),
        MessageAttributes: { channel: { DataType: 'String', StringValue: message.channel } },
      }),
    );
  }
}
