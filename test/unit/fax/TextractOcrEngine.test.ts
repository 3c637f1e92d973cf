import {
  GetDocumentTextDetectionCommand,
  StartDocumentTextDetectionCommand,
  type TextractClient,
  UnsupportedDocumentException,
} from '@aws-sdk/client-textract';
import { describe, expect, it } from 'vitest';
import { TextractOcrEngine } from '../../../lambdas/adapters/ocr/TextractOcrEngine.js';
import { OcrDocumentError } from '../../../lambdas/domain/fax/ocr.js';

/** A hand-written stand-in for the Textract client: answers each command from a script. */
function scriptedClient(answers: ((command: unknown) => unknown)[]): {
  client: TextractClient;
  commands: unknown[];
} {
  const commands: unknown[] = [];
  const client = {
    send: async (command: unknown) => {
      commands.push(command);
      const next = answers.shift();
      if (!next) throw new Error('unexpected Textract call');
      return next(command);
    },
  } as unknown as TextractClient;
  return { client, commands };
}

const line = (page: number, text: string, confidence: number) => ({
  BlockType: 'LINE',
  Page: page,
  Text: text,
  Confidence: confidence,
});

describe('TextractOcrEngine', () => {
  it('starts an asynchronous job on the document in the bucket, polls it and joins the lines of each page', async () => {
    const { client, commands } = scriptedClient([
      () => ({ JobId: 'job-1' }),
      () => ({ JobStatus: 'IN_PROGRESS' }),
      () => ({
        JobStatus: 'SUCCEEDED',
        Blocks: [{ BlockType: 'PAGE', Page: 1 }, line(1, 'REQUEST FOR', 99), line(1, 'REDETERMINATION', 97)],
        NextToken: 't',
      }),
      () => ({ JobStatus: 'SUCCEEDED', Blocks: [line(2, 'NPI: 1234567893', 90)] }),
    ]);
    const slept: number[] = [];
    const engine = new TextractOcrEngine(client, {
      bucket: 'raw',
      pollIntervalMs: 5,
      sleep: async (ms) => void slept.push(ms),
    });

    const result = await engine.recognize({
      blobKey: 'fax/telnyx/f1/document',
      mediaType: 'application/pdf',
    });

    expect(commands[0]).toBeInstanceOf(StartDocumentTextDetectionCommand);
    expect((commands[0] as StartDocumentTextDetectionCommand).input.DocumentLocation).toEqual({
      S3Object: { Bucket: 'raw', Name: 'fax/telnyx/f1/document' },
    });
    expect(commands.slice(1).every((command) => command instanceof GetDocumentTextDetectionCommand)).toBe(
      true,
    );
    expect(slept).toEqual([5]);
    expect(result).toEqual({
      engine: 'textract',
      pages: [
        { pageNumber: 1, text: 'REQUEST FOR\nREDETERMINATION', confidence: 0.98 },
        { pageNumber: 2, text: 'NPI: 1234567893', confidence: 0.9 },
      ],
      unreadable: [],
    });
  });

  it('turns a document Textract cannot read into an OcrDocumentError (the fax still becomes a case)', async () => {
    const { client } = scriptedClient([
      () => {
        throw new UnsupportedDocumentException({ message: 'unsupported', $metadata: {} });
      },
    ]);
    await expect(
      new TextractOcrEngine(client, { bucket: 'raw' }).recognize({ blobKey: 'k', mediaType: 'image/tiff' }),
    ).rejects.toThrow(OcrDocumentError);
  });

  it('reports a failed job as unreadable and gives up on a job that never ends', async () => {
    const failed = scriptedClient([
      () => ({ JobId: 'j' }),
      () => ({ JobStatus: 'FAILED', StatusMessage: 'bad page' }),
    ]);
    await expect(
      new TextractOcrEngine(failed.client, { bucket: 'raw' }).recognize({
        blobKey: 'k',
        mediaType: 'application/pdf',
      }),
    ).rejects.toThrow(/bad page/);

    const endless = scriptedClient([
      () => ({ JobId: 'j' }),
      ...Array.from({ length: 5 }, () => () => ({ JobStatus: 'IN_PROGRESS' })),
    ]);
    const engine = new TextractOcrEngine(endless.client, {
      bucket: 'raw',
      maxWaitMs: -1,
      sleep: async () => undefined,
    });
    await expect(engine.recognize({ blobKey: 'k', mediaType: 'application/pdf' })).rejects.toThrow(
      /still running/,
    );
  });
});
