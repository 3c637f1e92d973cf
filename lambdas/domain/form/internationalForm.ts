import { TopicSchema } from '../triage/taxonomy.js';
import * as z from '../zodMini.js';

/**
 * The 249 officially assigned ISO 3166-1 alpha-2 codes, plus XK (Kosovo: user-assigned, but the
 * code the EU, CLDR and every passport reader use, and members live there). ICU's region names are
 * no substitute: they also name ZZ, EU, UN, EZ, QO and the private-use XA/XB, which are no country.
 */
const COUNTRY_CODES = new Set(
  (
    'AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS ' +
    'BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE ' +
    'EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM ' +
    'HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC ' +
    'LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA ' +
    'NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW ' +
    'SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO ' +
    'TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW XK'
  ).split(' '),
);
const languageNames = new Intl.DisplayNames(['en'], { type: 'language', fallback: 'code' });

/** Largest form body accepted (the message field alone is at most 5,000 characters). */
export const FORM_BODY_LIMIT_BYTES = 32 * 1024;

/**
 * The international inquiry form, field by field; each field's error names it. `website` is a
 * honeypot: hidden from people by the page's CSS, filled in by bots.
 */
export const InternationalFormSchema = z.strictObject({
  name: z
    .string()
    .check(z.trim(), z.minLength(1, 'enter your name'), z.maxLength(200, 'at most 200 characters')),
  email: z.email('enter an e-mail address we can answer').check(z.maxLength(254)),
  memberId: z.union([
    z.optional(
      z
        .string()
        .check(z.trim(), z.regex(/^[A-Za-z0-9-]{4,20}$/, 'a member ID is 4-20 letters, digits or hyphens')),
    ),
    z.pipe(
      z.literal(''),
      z.transform(() => undefined),
    ),
  ]),
  country: z
    .pipe(
      z.string().check(z.trim()),
      z.transform((value: string) => value.toUpperCase()),
    )
    .check(
      z.refine((code) => COUNTRY_CODES.has(code), {
        message: 'choose your country of residence (ISO 3166-1 code such as MX)',
      }),
    ),
  preferredLanguage: z
    .pipe(
      z.string().check(z.trim()),
      z.transform((value: string) => value.toLowerCase()),
    )
    .check(
      z.refine((code) => /^[a-z]{2}$/.test(code) && languageNames.of(code) !== code, {
        message: 'choose the language you want to be answered in (ISO 639-1 code such as es)',
      }),
    ),
  topic: z.optional(TopicSchema),
  message: z
    .string()
    .check(z.trim(), z.minLength(1, 'write your question'), z.maxLength(5_000, 'at most 5,000 characters')),
  /** Ask for an expedited decision (a coverage or appeal request that cannot wait). */
  expedited: z.optional(z.boolean()),
  /**
   * The browser's IANA time zone (`Intl.DateTimeFormat().resolvedOptions().timeZone`): the
   * acknowledgement gives its due time in it (`memberTimeZone`), since many countries keep several.
   * Only its shape is checked here; a name this runtime does not know is passed on and ignored there,
   * as the member cannot change what their browser reports.
   */
  timeZone: z.optional(
    z
      .string()
      .check(
        z.maxLength(64, 'at most 64 characters'),
        z.regex(
          /^[A-Za-z][A-Za-z0-9_+-]*(?:\/[A-Za-z0-9_+-]+)*$/,
          'an IANA time zone such as America/Mexico_City',
        ),
      ),
  ),
  /** The page's own idempotency key: a double click submits the same id twice. */
  submissionId: z.optional(z.string().check(z.regex(/^[A-Za-z0-9-]{8,64}$/))),
  website: z.optional(z.string().check(z.maxLength(500))),
});
export type InternationalForm = z.infer<typeof InternationalFormSchema>;
