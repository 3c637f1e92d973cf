import { describe, expect, it } from 'vitest';
import { queueableJson } from '../../../lambdas/adapters/sqs/SqsInboundQueue.js';
import { inboundEmail } from '../../helpers/inboundMessages.js';

const SQS_LIMIT = 256 * 1024;
const bytesOf = (json: string) => Buffer.byteLength(json, 'utf8');

describe('queueableJson', () => {
  it('queues an ordinary message whole', () => {
    const message = inboundEmail({ bodyText: 'Please send a refill of my lisinopril.' });
    expect(JSON.parse(queueableJson(message))).toEqual(message);
  });

  it('cuts text of control characters (6 bytes each as JSON escapes) until the message fits SQS', () => {
    const bodyText = '\u0001'.repeat(60_000);
    const json = queueableJson(inboundEmail({ bodyText }));
    expect(bytesOf(json)).toBeLessThanOrEqual(SQS_LIMIT - 1024);
    const queued = JSON.parse(json) as { bodyText: string };
    expect(queued.bodyText.length).toBeGreaterThan(30_000);
    expect(bodyText.startsWith(queued.bodyText)).toBe(true);
  });

  it('cuts emoji text by code point, never leaving half a surrogate pair', () => {
    const bodyText = '😀'.repeat(60_000);
    const json = queueableJson(inboundEmail({ bodyText }));
    expect(bytesOf(json)).toBeLessThanOrEqual(SQS_LIMIT - 1024);
    const queued = JSON.parse(json) as { bodyText: string };
    expect(queued.bodyText.length % 2).toBe(0);
    expect(queued.bodyText).toMatch(/^(😀)+$/u);
  });
});
