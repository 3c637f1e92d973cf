import { type FaxPageImages, faxPageImageKey, type OcrDocument } from '../../domain/fax/ocr.js';
import type { BlobStore } from '../../domain/ports.js';
import { decodeFaxDocument } from './faxDocumentDecoder.js';
import { faxPagePng } from './faxPagePng.js';

/**
 * Draws each page of a faxed document as a PNG beside it in the raw-content bucket (encrypted as
 * everything there is), for the staff console's case view. The same decoder the offline OCR uses;
 * a document it cannot decode yields no images (the case still shows the pages' text).
 */
export class FaxPageImageStore implements FaxPageImages {
  readonly #blobs: BlobStore;

  constructor(blobs: BlobStore) {
    this.#blobs = blobs;
  }

  async render(document: OcrDocument): Promise<number[]> {
    const bytes = await this.#blobs.get(document.blobKey);
    if (!bytes) return [];
    const pages = await decodeFaxDocument(bytes);
    const stored: number[] = [];
    for (const [index, page] of pages.entries()) {
      await this.#blobs.put(faxPageImageKey(document.blobKey, index + 1), faxPagePng(page), {
        'content-type': 'image/png',
      });
      stored.push(index + 1);
    }
    return stored;
  }
}
