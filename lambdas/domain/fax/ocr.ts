import * as z from '../zodMini.js';

/** The text of one page as the OCR engine read it; `confidence` is 0..1 (the engine's mean word confidence). */
export const OcrPageSchema = z.object({
  pageNumber: z.int().check(z.positive()),
  text: z.string().check(z.maxLength(200_000)),
  confidence: z.number().check(z.gte(0), z.lte(1)),
});
export type OcrPage = z.infer<typeof OcrPageSchema>;

export const OcrResultSchema = z.object({
  /** Which engine read it (`tesseract`, `textract`), for the case history. */
  engine: z.string(),
  pages: z.array(OcrPageSchema),
  /** Pages the engine could not read at all, with the reason (an unsupported image codec, a corrupt strip). */
  unreadable: z.array(
    z.object({ pageNumber: z.int().check(z.positive()), reason: z.string().check(z.maxLength(500)) }),
  ),
});
export type OcrResult = z.infer<typeof OcrResultSchema>;

/** A faxed document in the raw-content bucket. */
export interface OcrDocument {
  blobKey: string;
  mediaType: 'application/pdf' | 'image/tiff';
}

/**
 * Page images of a faxed document for the staff console, stored beside it in the raw-content bucket
 * (`faxPageImageKey`): staff read the page itself (a signature, a tick) next to what OCR read.
 */
export interface FaxPageImages {
  /** Stores an image of every page it can decode; resolves to the page numbers stored. */
  render(document: OcrDocument): Promise<number[]>;
}

/** Where page `pageNumber` (from 1) of a faxed document's images is: `…/<fax>/pages/<n>.png`. */
export function faxPageImageKey(documentKey: string, pageNumber: number): string {
  return `${documentKey.replace(/\/[^/]*$/, '')}/pages/${pageNumber}.png`;
}

/** Reads the text of a faxed document: Amazon Textract in AWS, an offline Tesseract locally and in tests. */
export interface OcrEngine {
  recognize(document: OcrDocument): Promise<OcrResult>;
}

/** The document cannot be read at all (not a PDF/TIFF, corrupt structure): the fax still becomes a case, flagged. */
export class OcrDocumentError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'OcrDocumentError';
  }
}
