import {
  BadDocumentException,
  type Block,
  DocumentTooLargeException,
  GetDocumentTextDetectionCommand,
  type GetDocumentTextDetectionCommandOutput,
  InvalidS3ObjectException,
  StartDocumentTextDetectionCommand,
  type TextractClient,
  UnsupportedDocumentException,
} from '@aws-sdk/client-textract';
import { type OcrDocument, OcrDocumentError, type OcrEngine, type OcrResult } from '../../domain/fax/ocr.js';

export interface TextractOcrEngineOptions {
  bucket: string;
  /** How long to wait for an asynchronous job before giving up (the OCR function's timeout is longer). */
  maxWaitMs?: number;
  pollIntervalMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

/** Joins LINE blocks per page in reading order (Textract returns them top to bottom). */
export function pagesFromBlocks(blocks: Block[]): OcrResult['pages'] {
  const pages = new Map<number, { lines: string[]; confidences: number[] }>();
  for (const block of blocks) {
    if (block.BlockType !== 'LINE' || !block.Text) continue;
    const number = block.Page ?? 1;
    const page = pages.get(number) ?? { lines: [], confidences: [] };
    page.lines.push(block.Text);
    if (block.Confidence !== undefined) page.confidences.push(block.Confidence);
    pages.set(number, page);
  }
  return [...pages.entries()]
    .sort(([left], [right]) => left - right)
    .map(([pageNumber, page]) => ({
      pageNumber,
      text: page.lines.join('\n').slice(0, 200_000),
      confidence: page.confidences.length
        ? page.confidences.reduce((sum, value) => sum + value, 0) / page.confidences.length / 100
        : 0,
    }));
}

/**
 * Amazon Textract text detection on the document where it lies in the raw bucket. Asynchronous
 * (StartDocumentTextDetection, then GetDocumentTextDetection pages) because a fax is usually
 * several pages and only the asynchronous API reads multi-page PDF and TIFF.
 */
export class TextractOcrEngine implements OcrEngine {
  readonly #client: TextractClient;
  readonly #bucket: string;
  readonly #maxWaitMs: number;
  readonly #pollIntervalMs: number;
  readonly #sleep: (ms: number) => Promise<void>;

  constructor(client: TextractClient, options: TextractOcrEngineOptions) {
    this.#client = client;
    this.#bucket = options.bucket;
    this.#maxWaitMs = options.maxWaitMs ?? 240_000;
    this.#pollIntervalMs = options.pollIntervalMs ?? 2_000;
    this.#sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  async recognize(document: OcrDocument): Promise<OcrResult> {
    let jobId: string | undefined;
    try {
      const started = await this.#client.send(
        new StartDocumentTextDetectionCommand({
          DocumentLocation: { S3Object: { Bucket: this.#bucket, Name: document.blobKey } },
          // Same document twice (a retried OCR step) → the same job, not a second bill.
          ClientRequestToken: document.blobKey.replace(/[^A-Za-z0-9-_]/g, '').slice(-64) || undefined,
        }),
      );
      jobId = started.JobId;
    } catch (error) {
      if (
        error instanceof UnsupportedDocumentException ||
        error instanceof BadDocumentException ||
        error instanceof DocumentTooLargeException ||
        error instanceof InvalidS3ObjectException
      ) {
        throw new OcrDocumentError(`Textract cannot read the document: ${error.message}`, { cause: error });
      }
      throw error;
    }
    if (!jobId) throw new Error('Textract returned no job id');
    const deadline = Date.now() + this.#maxWaitMs;
    let output: GetDocumentTextDetectionCommandOutput;
    for (;;) {
      output = await this.#client.send(new GetDocumentTextDetectionCommand({ JobId: jobId }));
      if (output.JobStatus !== 'IN_PROGRESS') break;
      if (Date.now() > deadline)
        throw new Error(`Textract job ${jobId} still running after ${this.#maxWaitMs} ms`);
      await this.#sleep(this.#pollIntervalMs);
    }
    if (output.JobStatus === 'FAILED') {
      throw new OcrDocumentError(`Textract could not read the document: ${output.StatusMessage ?? 'failed'}`);
    }
    const blocks: Block[] = [...(output.Blocks ?? [])];
    let next = output.NextToken;
    while (next) {
      const more = await this.#client.send(
        new GetDocumentTextDetectionCommand({ JobId: jobId, NextToken: next }),
      );
      blocks.push(...(more.Blocks ?? []));
      next = more.NextToken;
    }
    return { engine: 'textract', pages: pagesFromBlocks(blocks), unreadable: [] };
  }
}
