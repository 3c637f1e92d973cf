import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { InboundMessage } from '../../domain/inboundMessage.js';
import type { InboundQueue } from '../../domain/ports.js';

// The text a queued message carries at most (the raw original stays in S3, whole).
const MAX_BODY_TEXT = 60_000;
// An SQS message, body and attributes, is at most 256 KiB; a little is left for the attributes.
const MAX_MESSAGE_BYTES = 256 * 1024 - 1024;

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
    await this.#client.send(
      new SendMessageCommand({
        QueueUrl: this.#queueUrl,
        MessageBody: queueableJson(message),
        MessageAttributes: { channel: { DataType: 'String', StringValue: message.channel } },
      }),
    );
  }
}

/**
 * The message as queue JSON within SQS's size limit: the text is cut (by code point) until it fits.
 * Counting characters is not enough: a control character or an emoji's half takes 6 bytes as a
 * JSON escape, so 60,000 of them are 360 KB, and SQS would refuse the message.
 */
export function queueableJson(message: InboundMessage): string {
  const characters = Array.from(message.bodyText);
  let keep = Math.min(characters.length, MAX_BODY_TEXT);
  for (;;) {
    const json = sqsSafeJson({ ...message, bodyText: characters.slice(0, keep).join('') });
    const bytes = Buffer.byteLength(json, 'utf8');
    if (bytes <= MAX_MESSAGE_BYTES) return json;
    if (keep === 0) {
      throw new Error(`the message is ${bytes} bytes as queue JSON without its text, over SQS's limit`);
    }
    // Shrink in proportion to the excess, a little more, so a few rounds at most reach the limit.
    keep = Math.floor((keep * MAX_MESSAGE_BYTES) / bytes / 1.05);
  }
}
