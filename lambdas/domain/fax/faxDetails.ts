import * as z from 'zod';
import { FaxFormFieldsSchema } from './readFaxForm.js';

/** `email`: fax-to-email, a fax service's e-mail delivery of the pages to the desk's fax address. */
export const FaxProviderNameSchema = z.enum(['telnyx', 'phaxio', 'sinch', 'email']);
export type FaxProviderName = z.infer<typeof FaxProviderNameSchema>;

/**
 * What a fax carries to its case: the provider's record, the OCR outcome, the fields read from the
 * form and where each page is. Staff see it in the case view beside the redacted text.
 */
export const FaxDetailsSchema = z.object({
  provider: FaxProviderNameSchema,
  faxId: z.string().min(1).max(200),
  from: z.string().max(64).optional(),
  to: z.string().max(64).optional(),
  /** Pages the provider says it received, and how many the document holds. */
  pageCount: z.number().int().nonnegative(),
  /** The provider reported a partial fax (Telnyx `partial_content`) or fewer pages than announced. */
  partial: z.boolean(),
  partialReason: z.string().max(300).optional(),
  /** The document in the raw-content bucket; pages are numbered from 1 within it. */
  documentKey: z.string().max(1024),
  mediaType: z.enum(['application/pdf', 'image/tiff']),
  pages: z
    .array(z.object({ pageNumber: z.number().int().positive(), confidence: z.number().min(0).max(1) }))
    .max(100),
  ocr: z.object({
    engine: z.string().max(40),
    /** Mean page confidence, 0..1. */
    confidence: z.number().min(0).max(1),
    /** Why OCR read nothing, when it failed on the whole document. */
    failure: z.string().max(500).optional(),
    unreadablePages: z.array(z.number().int().positive()).max(100),
  }),
  fields: FaxFormFieldsSchema,
  /** Pages with a stored image for the case view (`faxPageImageKey`); absent when none was rendered. */
  pageImages: z.array(z.number().int().positive()).max(100).optional(),
});
export type FaxDetails = z.infer<typeof FaxDetailsSchema>;
