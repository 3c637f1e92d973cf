import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { redrive } from '../../bin/commands/dlq.js';
import { sqsClient } from '../../lambdas/adapters/awsClients.js';
import type { OcrEngine } from '../../lambdas/domain/fax/ocr.js';
import { chatLineMessage } from '../../lambdas/domain/ingest/acceptChat.js';
import { startTestRouter } from '../helpers/localRouter.js';

/** No fax in this test: an OCR engine that is never asked (and starts no Tesseract worker). */
const noOcr: OcrEngine = {
  recognize: () => Promise.reject(new Error('no OCR in this test')),
};

describe('local mode: a dead letter redriven and routed', () => {
  const dataDirectory = mkdtempSync(path.join(tmpdir(), 'cr-dlq-'));
  afterAll(() => rmSync(dataDirectory, { recursive: true, force: true }));

  it('is not put back into the DLQ at the next start', async () => {
    // A chat line parked earlier (say, DynamoDB was down for its five receives), kept on disk.
    const body = JSON.stringify(
      chatLineMessage({
        source: 'widget',
        conversationId: 'conv-dlq',
        lineId: 'm1',
        role: 'member',
        event: 'message',
        text: 'Where is my refill?',
        receivedAt: new Date(),
        outsideChatHours: false,
        rawBlobKey: 'chat/widget/conv-dlq/m1',
      }),
    );
    const letters = path.join(dataDirectory, 'dead-letters');
    mkdirSync(letters, { recursive: true });
    const name = createHash('sha256').update(`source-1\n${body}`).digest('hex');
    writeFileSync(
      path.join(letters, `${name}.json`),
      JSON.stringify({
        body,
        reason: 'ThrottlingException',
        sourceMessageId: 'source-1',
        parkedAt: new Date().toISOString(),
      }),
    );

    const prefix = `dlq${Date.now().toString(36)}`;
    const first = await startTestRouter({ dataDirectory, prefix, ocr: noOcr });
    expect(first.recovered.deadLetters).toBe(1);
    const sqs = sqsClient(first.endpoints);
    const report = await redrive(sqs, {
      from: first.resources.deadLetterQueueUrl,
      to: first.resources.inboundQueueUrl,
      max: 10,
    });
    expect(report).toEqual({ moved: 1, refused: 0, skipped: 0, notRemoved: 0 });
    await first.drain();
    const queued = await first.queues();
    expect(queued.reduce((sum, queue) => sum + queue.depth, 0)).toBe(1);
    await first.stop();

    const second = await startTestRouter({ dataDirectory, prefix, ocr: noOcr });
    try {
      // The letter became a case: nothing is left to restore.
      expect(second.recovered.deadLetters).toBe(0);
      expect(readdirSync(letters).filter((file) => file.endsWith('.json'))).toEqual([]);
    } finally {
      sqs.destroy();
      await second.stop();
    }
  }, 120_000);
});
