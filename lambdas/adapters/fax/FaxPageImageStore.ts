import { squaringFactor } from '../../domain/fax/faxPage.js';
import { type FaxPageImages, faxPageImageKey, type OcrDocument } from '../../domain/fax/ocr.js';
import type { BlobStore } from '../../domain/ports.js';
import { decodeBudget, FaxDocumentError, faxPageSources } from './faxDocumentDecoder.js';
import { faxPagePng } from './faxPagePng.js';

/**
 * What drawing one document may cost. Pages are decoded one at a time, so memory is one page's
 * bitmap; a page over 16 megapixels once its pixels are square (a letter page at 300 dpi is 8.4)
 * is left out, and so is every page past 400 megapixels in all (60 fine-mode fax pages are 228):
 * a tiny PDF naming huge images cannot exhaust the OCR step's memory or time.
 */
export const PAGE_IMAGE_LIMITS = { maxPagePixels: 16_000_000, maxDocumentPixels: 400_000_000 } as const;

/**
 * Draws each page of a faxed document as a PNG beside it in the raw-content bucket (encrypted as
 * everything there is), for the staff console's case view. The same decoder the offline OCR uses;
 * a page it cannot decode, or one over the limits, has no image (the case still shows its text).
 */
export class FaxPageImageStore implements FaxPageImages {
  readonly #blobs: BlobStore;
  readonly #limits: { maxPagePixels: number; maxDocumentPixels: number };

  constructor(
    blobs: BlobStore,
    limits: { maxPagePixels: number; maxDocumentPixels: number } = PAGE_IMAGE_LIMITS,
  ) {
    this.#blobs = blobs;
    this.#limits = limits;
  }

  async render(document: OcrDocument): Promise<number[]> {
    const bytes = await this.#blobs.get(document.blobKey);
    if (!bytes) return [];
    const stored: number[] = [];
    let spent = 0;
    const sources = await faxPageSources(bytes);
    // The same bound on decoding time as the OCR step's: a crafted document cannot hold the function.
    const budget = decodeBudget();
    for (const [index, source] of sources.entries()) {
      const pixels = source.width * source.height;
      if (pixels > this.#limits.maxPagePixels || spent + pixels > this.#limits.maxDocumentPixels) continue;
      let page: ReturnType<typeof source.decode>;
      try {
        page = source.decode(budget);
      } catch (error) {
        if (error instanceof FaxDocumentError) continue;
        throw error;
      }
      const drawn = pixels * squaringFactor(page);
      if (drawn > this.#limits.maxPagePixels || spent + drawn > this.#limits.maxDocumentPixels) continue;
      spent += drawn;
      await this.#blobs.put(faxPageImageKey(document.blobKey, index + 1), faxPagePng(page), {
        'content-type': 'image/png',
      });
      stored.push(index + 1);
    }
    return stored;
  }
}
