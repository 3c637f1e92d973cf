import { once } from '../once.js';
import ar from '../policy/templates/ar.json' with { type: 'json' };
import de from '../policy/templates/de.json' with { type: 'json' };
import en from '../policy/templates/en.json' with { type: 'json' };
import es from '../policy/templates/es.json' with { type: 'json' };
import fr from '../policy/templates/fr.json' with { type: 'json' };
import hi from '../policy/templates/hi.json' with { type: 'json' };
import ht from '../policy/templates/ht.json' with { type: 'json' };
import it from '../policy/templates/it.json' with { type: 'json' };
import ja from '../policy/templates/ja.json' with { type: 'json' };
import ko from '../policy/templates/ko.json' with { type: 'json' };
import pl from '../policy/templates/pl.json' with { type: 'json' };
import pt from '../policy/templates/pt.json' with { type: 'json' };
import ru from '../policy/templates/ru.json' with { type: 'json' };
import tl from '../policy/templates/tl.json' with { type: 'json' };
import vi from '../policy/templates/vi.json' with { type: 'json' };
import zh from '../policy/templates/zh.json' with { type: 'json' };
import zhHant from '../policy/templates/zh-Hant.json' with { type: 'json' };
import * as z from '../zodMini.js';

/**
 * The desk's member-facing wording, one JSON file per language in `policy/templates/` (data beside
 * the routing policy, reviewed like it). A template is text with `{placeholder}`s; the schema
 * checks that each text carries exactly the placeholders its use fills in, so a translation that
 * drops the case reference or invents a placeholder fails at start-up, not in a member's inbox.
 */

/** The sixteen languages triage detects, plus Traditional Chinese (triage's `zh` with script `Hant`). */
export const TEMPLATE_LANGUAGES = [
  'en',
  'es',
  'zh',
  'zh-Hant',
  'vi',
  'ko',
  'tl',
  'ru',
  'ar',
  'fr',
  'ht',
  'pt',
  'pl',
  'de',
  'it',
  'ja',
  'hi',
] as const;
export type TemplateLanguage = (typeof TEMPLATE_LANGUAGES)[number];

const PLACEHOLDER = /\{([A-Za-z]+)\}/g;

/** Text whose placeholders are exactly `required` (each at least once) — nothing missing, nothing unknown. */
function templateText(required: readonly string[]) {
  return z.string().check(
    z.trim(),
    z.minLength(1),
    z.maxLength(2_000),
    z.superRefine((text, context) => {
      const found = new Set([...text.matchAll(PLACEHOLDER)].map((match) => match[1] ?? ''));
      for (const name of required) {
        if (!found.has(name)) context.addIssue({ code: 'custom', message: `must contain {${name}}` });
      }
      for (const name of found) {
        if (!required.includes(name)) {
          context.addIssue({
            code: 'custom',
            message: `unknown placeholder {${name}} (allowed: ${required.join(', ') || 'none'})`,
          });
        }
      }
      if (/[{}]/.test(text.replaceAll(PLACEHOLDER, ''))) {
        context.addIssue({ code: 'custom', message: 'a stray { or } (placeholders look like {reference})' });
      }
    }),
  );
}

const Plain = templateText([]);
const WithReference = templateText(['reference']);

export const AcknowledgementTemplateSchema = z.strictObject({
  subject: WithReference,
  greeting: Plain,
  intro: WithReference,
  receivedLabel: Plain,
  nextSteps: Plain,
  dueLabel: Plain,
  /** Only for cases with a Medicare Part D clock (42 CFR 423.568, 423.572, 423.590: time counts from receipt). */
  regulatoryNote: Plain,
  keepReference: WithReference,
  emergency: Plain,
  privacy: Plain,
  signature: Plain,
  /** RFC 3834 asks that an automatic response say so. */
  automaticNotice: Plain,
});

export const ReplyTemplateSchema = z.strictObject({
  /** Offered to staff as the first line of a reply. */
  greeting: Plain,
  /** Offered to staff as the last lines of a reply. */
  closing: Plain,
  /** Added under every reply: keeps the case reference in the thread. */
  footer: WithReference,
});

export const LanguageTemplatesSchema = z
  .strictObject({
    language: z.enum(TEMPLATE_LANGUAGES),
    /** The language's own name, for staff choosing a template. */
    name: z.string().check(z.minLength(1)),
    /** BCP 47 locale for dates and times (`fil-PH` for Tagalog, `fr-HT` for Haitian Creole). */
    locale: z.string().check(z.minLength(2)),
    direction: z.enum(['ltr', 'rtl']),
    dateStyle: z._default(z.enum(['full', 'long', 'medium', 'short']), 'full'),
    timeZoneName: z._default(z.enum(['long', 'short', 'shortOffset', 'longGeneric']), 'long'),
    acknowledgement: AcknowledgementTemplateSchema,
    reply: ReplyTemplateSchema,
  })
  .check(
    z.refine((templates) => isValidLocale(templates.locale), {
      message: 'not a locale Intl knows',
      path: ['locale'],
    }),
  );
export type LanguageTemplates = z.infer<typeof LanguageTemplatesSchema>;

function isValidLocale(locale: string): boolean {
  try {
    return Intl.DateTimeFormat.supportedLocalesOf([locale]).length === 1;
  } catch {
    return false;
  }
}

export const TemplateCatalogSchema = z.object({
  languages: z.array(LanguageTemplatesSchema),
});
export type TemplateCatalog = z.infer<typeof TemplateCatalogSchema>;

/** A template file that does not validate; every problem of every file is listed. */
export class TemplateValidationError extends Error {
  override readonly name = 'TemplateValidationError';
  constructor(readonly problems: readonly string[]) {
    super(`message templates are invalid (${problems.length}):\n  ${problems.join('\n  ')}`);
  }
}

/** Validates every language's templates; the file of each language must name that language. */
export function loadTemplates(
  files: Record<string, unknown>,
): ReadonlyMap<TemplateLanguage, LanguageTemplates> {
  const problems: string[] = [];
  const templates = new Map<TemplateLanguage, LanguageTemplates>();
  for (const language of TEMPLATE_LANGUAGES) {
    if (!(language in files)) problems.push(`${language}: no template file`);
  }
  for (const [file, json] of Object.entries(files)) {
    const parsed = LanguageTemplatesSchema.safeParse(json);
    if (!parsed.success) {
      for (const issue of parsed.error.issues)
        problems.push(`${file}: ${issue.path.join('.')}: ${issue.message}`);
      continue;
    }
    if (parsed.data.language !== file) {
      problems.push(`${file}: the file says it is "${parsed.data.language}"`);
      continue;
    }
    templates.set(parsed.data.language, parsed.data);
  }
  if (problems.length > 0) throw new TemplateValidationError(problems);
  return templates;
}

/**
 * The bundled templates, validated on first use (an invalid edit fails the first acknowledgement or
 * reply, and `test/unit/outbound/templates.test.ts` first). Not at module load: most invocations of
 * the functions that bundle them (a threaded reply, a claim) never fill a template.
 */
export const defaultTemplates = once(() =>
  loadTemplates({
    en,
    es,
    zh,
    'zh-Hant': zhHant,
    vi,
    ko,
    tl,
    ru,
    ar,
    fr,
    ht,
    pt,
    pl,
    de,
    it,
    ja,
    hi,
  }),
);

export function templatesFor(language: TemplateLanguage): LanguageTemplates {
  const templates = defaultTemplates().get(language);
  // loadTemplates guarantees every language; this only satisfies the type checker.
  if (!templates) throw new TemplateValidationError([`${language}: no template file`]);
  return templates;
}

export function fillTemplate(text: string, values: { reference?: string }): string {
  return text.replaceAll(PLACEHOLDER, (whole, name: string) =>
    name === 'reference' && values.reference !== undefined ? values.reference : whole,
  );
}

/**
 * The template languages for a member: a known preferred language first (a form's choice), then
 * the case's detected language (Traditional Chinese by script). Undetermined → English and Spanish,
 * the desk's two most common languages, so the member can read at least one.
 */
export function memberLanguages(options: {
  preferredLanguage?: string | undefined;
  caseLanguage: string;
  script?: 'Hans' | 'Hant' | undefined;
}): TemplateLanguage[] {
  const known = (candidate: string | undefined, script?: string): TemplateLanguage | undefined => {
    if (!candidate) return undefined;
    const [base = '', ...subtags] = candidate.trim().replaceAll('_', '-').split('-');
    const language = base.toLowerCase();
    if (language === 'zh') {
      const traditional = script === 'Hant' || subtags.some((tag) => /^(hant|tw|hk|mo)$/i.test(tag));
      return traditional ? 'zh-Hant' : 'zh';
    }
    if (language === 'fil') return 'tl';
    return (TEMPLATE_LANGUAGES as readonly string[]).includes(language)
      ? (language as TemplateLanguage)
      : undefined;
  };
  const preferred = known(options.preferredLanguage);
  if (preferred) return [preferred];
  const detected = known(options.caseLanguage, options.script);
  if (detected) return [detected];
  return ['en', 'es'];
}

/** A due time as the member reads it: in their language, in their time zone, with the zone named. */
export function formatInstant(at: Date, templates: LanguageTemplates, timeZone: string): string {
  const { date, zone } = instantFormats(templates, timeZone);
  const text = date.format(at);
  const name = zone.formatToParts(at).find((part) => part.type === 'timeZoneName')?.value;
  return name ? `${text} (${name})` : text;
}

/**
 * Building an Intl.DateTimeFormat costs about a millisecond (every acknowledgement formats a due
 * time); formatting with a built one, microseconds. Kept per locale, styles and zone (a handful).
 */
const instantFormatCache = new Map<string, { date: Intl.DateTimeFormat; zone: Intl.DateTimeFormat }>();

function instantFormats(templates: LanguageTemplates, timeZone: string) {
  const key = JSON.stringify([templates.locale, templates.dateStyle, templates.timeZoneName, timeZone]);
  let formats = instantFormatCache.get(key);
  if (!formats) {
    formats = {
      date: new Intl.DateTimeFormat(templates.locale, {
        dateStyle: templates.dateStyle,
        timeStyle: 'short',
        timeZone,
      }),
      zone: new Intl.DateTimeFormat(templates.locale, { timeZone, timeZoneName: templates.timeZoneName }),
    };
    if (instantFormatCache.size < 256) instantFormatCache.set(key, formats);
  }
  return formats;
}

/** The template catalog the staff API serves (the console's reply and acknowledgement templates). */
export function templateCatalog(language?: string): TemplateCatalog {
  const languages = [...defaultTemplates().values()];
  if (!language) return { languages };
  const wanted = memberLanguages({ preferredLanguage: language, caseLanguage: 'und' });
  return { languages: languages.filter((templates) => wanted.includes(templates.language)) };
}
