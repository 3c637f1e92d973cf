import * as z from 'zod';
import { TopicSchema } from '../triage/taxonomy.js';

/** ISO 3166-1 alpha-2 codes the platform's ICU knows (an unknown code echoes back unchanged). */
const regionNames = new Intl.DisplayNames(['en'], { type: 'region', fallback: 'code' });
const languageNames = new Intl.DisplayNames(['en'], { type: 'language', fallback: 'code' });

/** Largest form body accepted (the message field alone is at most 5,000 characters). */
export const FORM_BODY_LIMIT_BYTES = 32 * 1024;

/**
 * The international inquiry form, field by field; each field's error names it. `website` is a
 * honeypot: hidden from people by the page's CSS, filled in by bots.
 */
export const InternationalFormSchema = z
  .object({
    name: z.string().trim().min(1, 'enter your name').max(200, 'at most 200 characters'),
    email: z.email('enter an e-mail address we can answer').max(254),
    memberId: z
      .string()
      .trim()
      .regex(/^[A-Za-z0-9-]{4,20}$/, 'a member ID is 4-20 letters, digits or hyphens')
      .optional()
      .or(z.literal('').transform(() => undefined)),
    country: z
      .string()
      .trim()
      .transform((value) => value.toUpperCase())
      .refine((code) => /^[A-Z]{2}$/.test(code) && regionNames.of(code) !== code, {
        message: 'choose your country of residence (ISO 3166-1 code such as MX)',
      }),
    preferredLanguage: z
      .string()
      .trim()
      .transform((value) => value.toLowerCase())
      .refine((code) => /^[a-z]{2}$/.test(code) && languageNames.of(code) !== code, {
        message: 'choose the language you want to be answered in (ISO 639-1 code such as es)',
      }),
    topic: TopicSchema.optional(),
    message: z.string().trim().min(1, 'write your question').max(5_000, 'at most 5,000 characters'),
    /** Ask for an expedited decision (a coverage or appeal request that cannot wait). */
    expedited: z.boolean().optional(),
    /** The page's own idempotency key: a double click submits the same id twice. */
    submissionId: z
      .string()
      .regex(/^[A-Za-z0-9-]{8,64}$/)
      .optional(),
    website: z.string().max(500).optional(),
  })
  .strict();
export type InternationalForm = z.infer<typeof InternationalFormSchema>;
