import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { InboundMessage } from '../../domain/inboundMessage.js';
import type { InboundQueue } from '../../domain/ports.js';

// An SQS message body is at most 256 KiB and a character can take 6 bytes in JSON; the text is capped so the
// canonical message always fits: the raw original stays in S3.
const MAX_BODY_TEXT = 60_000;

/**
 * JSON that SQS accepts whatever the mail contained. SQS allows only #x9 #xA #xD #x20–#xD7FF
 * #xE000–#xFFFD and #x10000–#x10FFFF (fauxqs 1.9.2 rejects the last range too); JSON.stringify
 * already escapes control characters and lone surrogates, so escape the rest as \u sequences,
 * which decode to the same string.
 */
export function sqsSafeJson(value: unknown): string {
  return JSON.stringify(value).replace(/[\u{10000}-\u{10FFFF}\uFFFE\uFFFF]/gu, (character) =>
    [...character]
      .flatMap((symbol) => {
        const code = symbol.codePointAt(0) ?? 0;
        if (code <= 0xffff) return [code];
        const offset = code - 0x10000;
        return [0xd800 + (offset >> 10), 0xdc00 + (offset & 0x3ff)];
      })
      .map((unit) => `\\u${unit.toString(16).padStart(4, '0')}`)
      .join(''),
  );
}

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
        MessageBody: sqsSafeJson(body),
        MessageAttributes: { channel: { DataType: 'String', StringValue: message.channel } },
      }),
    );
  }
}
