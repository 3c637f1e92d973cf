import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { createWorker, OEM, type Worker } from 'tesseract.js';
import { despeckle, type FaxBitmap, removeRules, squarePixels } from '../../domain/fax/faxPage.js';
import { type OcrDocument, OcrDocumentError, type OcrEngine, type OcrResult } from '../../domain/fax/ocr.js';
import type { BlobStore } from '../../domain/ports.js';
import { decodeFaxDocument, FaxDocumentError } from '../fax/faxDocumentDecoder.js';

const require = createRequire(import.meta.url);

/** Languages read in one pass: the desk's forms come in English and Spanish. */
export const DEFAULT_OCR_LANGUAGES = ['eng', 'spa'] as const;

/**
 * The language data comes from the `@tesseract.js-data/<lang>` npm packages (the integer LSTM
 * models) and the engine from `tesseract.js-core` in node_modules: nothing is fetched at run time.
 * tesseract.js looks for `<langPath>/<lang>.traineddata.gz`, so the packages' files are linked into
 * one private folder.
 */
function languageFolder(languages: readonly string[]): string {
  const folder = mkdtempSync(path.join(os.tmpdir(), 'contact-router-tessdata-'));
  for (const language of languages) {
    const packageDir = path.dirname(require.resolve(`@tesseract.js-data/${language}/package.json`));
    symlinkSync(
      path.join(packageDir, '4.0.0_best_int', `${language}.traineddata.gz`),
      path.join(folder, `${language}.traineddata.gz`),
    );
  }
  return folder;
}

/** Packs a page as binary PBM (P4), which Leptonica reads without a PNG encoder in between. */
export function toPbm(page: FaxBitmap): Buffer {
  const rowBytes = Math.ceil(page.width / 8);
  const header = Buffer.from(`P4\n${page.width} ${page.height}\n`, 'ascii');
  const body = Buffer.alloc(rowBytes * page.height);
  for (let y = 0; y < page.height; y++) {
    const row = y * page.width;
    for (let x = 0; x < page.width; x++) {
      if (page.data[row + x] === 1)
        body[y * rowBytes + (x >> 3)] = (body[y * rowBytes + (x >> 3)] ?? 0) | (0x80 >> (x & 7));
    }
  }
  return Buffer.concat([header, body]);
}

/**
 * Offline OCR with Tesseract (tesseract.js, WebAssembly): local mode and tests. One worker per
 * process, created on first use; pages are read one after another (the worker is single-threaded).
 */
export class TesseractOcrEngine implements OcrEngine {
  readonly #blobStore: BlobStore;
  readonly #languages: readonly string[];
  #worker: Promise<Worker> | undefined;
  #folder: string | undefined;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(blobStore: BlobStore, languages: readonly string[] = DEFAULT_OCR_LANGUAGES) {
    this.#blobStore = blobStore;
    this.#languages = languages;
  }

  async recognize(document: OcrDocument): Promise<OcrResult> {
    const bytes = await this.#blobStore.get(document.blobKey);
    if (!bytes)
      throw new OcrDocumentError(`the faxed document ${document.blobKey} is not in the raw-content bucket`);
    return this.recognizeBytes(bytes);
  }

  /** Reads a document's bytes (the bench and the tests call this directly). */
  async recognizeBytes(bytes: Uint8Array): Promise<OcrResult> {
    let pages: FaxBitmap[];
    try {
      pages = await decodeFaxDocument(bytes);
    } catch (error) {
      if (error instanceof FaxDocumentError) throw new OcrDocumentError(error.message, { cause: error });
      throw error;
    }
    const run = this.#queue.then(() => this.#readPages(pages));
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async #readPages(pages: FaxBitmap[]): Promise<OcrResult> {
    const worker = await this.#start();
    const result: OcrResult = { engine: 'tesseract', pages: [], unreadable: [] };
    for (const [index, page] of pages.entries()) {
      const prepared = despeckle(removeRules(squarePixels(page)));
      const { data } = await worker.recognize(toPbm(prepared));
      result.pages.push({
        pageNumber: index + 1,
        text: data.text.slice(0, 200_000),
        confidence: Math.max(0, Math.min(1, data.confidence / 100)),
      });
    }
    return result;
  }

  #start(): Promise<Worker> {
    if (!this.#worker) {
      this.#folder = languageFolder(this.#languages);
      this.#worker = createWorker(this.#languages.join('+'), OEM.LSTM_ONLY, {
        langPath: this.#folder,
        cacheMethod: 'none',
        gzip: true,
      });
    }
    return this.#worker;
  }

  async stop(): Promise<void> {
    const worker = this.#worker;
    this.#worker = undefined;
    if (worker) await (await worker).terminate();
    if (this.#folder) rmSync(this.#folder, { recursive: true, force: true });
    this.#folder = undefined;
  }
}
