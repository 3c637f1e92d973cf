import * as z from '../zodMini.js';
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
  faxId: z.string().check(z.minLength(1), z.maxLength(200)),
  from: z.optional(z.string().check(z.maxLength(64))),
  to: z.optional(z.string().check(z.maxLength(64))),
  /** Pages the provider says it received, and how many the document holds. */
  pageCount: z.int().check(z.nonnegative()),
  /** The provider reported a partial fax (Telnyx `partial_content`) or fewer pages than announced. */
  partial: z.boolean(),
  partialReason: z.optional(z.string().check(z.maxLength(300))),
  /** The document in the raw-content bucket; pages are numbered from 1 within it. */
  documentKey: z.string().check(z.maxLength(1024)),
  mediaType: z.enum(['application/pdf', 'image/tiff']),
  pages: z
    .array(
      z.object({ pageNumber: z.int().check(z.positive()), confidence: z.number().check(z.gte(0), z.lte(1)) }),
    )
    .check(z.maxLength(100)),
  ocr: z.object({
    engine: z.string().check(z.maxLength(40)),
    /** Mean page confidence, 0..1. */
    confidence: z.number().check(z.gte(0), z.lte(1)),
    /** Why OCR read nothing, when it failed on the whole document. */
    failure: z.optional(z.string().check(z.maxLength(500))),
    unreadablePages: z.array(z.int().check(z.positive())).check(z.maxLength(100)),
  }),
  fields: FaxFormFieldsSchema,
  /** Pages with a stored image for the case view (`faxPageImageKey`); absent when none was rendered. */
  pageImages: z.optional(z.array(z.int().check(z.positive())).check(z.maxLength(100))),
});
export type FaxDetails = z.infer<typeof FaxDetailsSchema>;
