import fc from 'fast-check';

/**
 * Generators for fuzzing local mode's public endpoints. One shared library so each endpoint's fuzz
 * test is a few lines: pick a body and a target arbitrary, call `fuzzEndpoint` (fuzzEndpoint.ts).
 * The generators lean on what broke routers before: malformed percent-escapes, brackets in paths,
 * huge or unicode ids, deep JSON, broken MIME, HTML that backtracks regular expressions.
 */

/** Runs per endpoint: `FUZZ_RUNS` (the `npm run fuzz -- --runs N` script sets it), 1,000 in CI. */
export function fuzzRuns(): number {
  const runs = Number(process.env.FUZZ_RUNS ?? 1_000);
  return Number.isInteger(runs) && runs > 0 ? runs : 1_000;
}

/** A test timeout that grows with the runs asked for (half a second a run, at least ten minutes). */
export function fuzzTimeoutMs(): number {
  return Math.max(600_000, fuzzRuns() * 500);
}

/** `FUZZ_SEED` replays a failing run fast-check reported. */
export function fuzzSeed(): { seed: number } | Record<string, never> {
  return process.env.FUZZ_SEED ? { seed: Number(process.env.FUZZ_SEED) } : {};
}

const tricky = fc.constantFrom(
  '',
  '%',
  '%zz',
  '%00',
  '%2F',
  '%25',
  '..',
  '.',
  '[',
  ']',
  '[::1]',
  '{}',
  '|',
  '^',
  '`',
  '\\',
  '"',
  "'",
  '<script>',
  '\u0000',
  '\u202e',
  '\ud83d\udc8a',
  '中'.repeat(700),
  'a'.repeat(3_000),
  'CR-0000000000',
  'null',
  '-1',
  '1e309',
  'constructor',
  '__proto__',
);

/** A path segment: printable ASCII, unicode, percent-encoded unicode, or a known troublemaker. */
export const pathSegment = (options: { invalidUtf8Escapes?: boolean } = {}) =>
  fc.oneof(
    { weight: 3, arbitrary: fc.string({ unit: 'grapheme-ascii', maxLength: 40 }) },
    { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }).map(encodeURIComponent) },
    { weight: 2, arbitrary: tricky },
    ...(options.invalidUtf8Escapes
      ? [{ weight: 1, arbitrary: fc.constantFrom('%C0%AF', '%FF', '%E0%80', '%ED%A0%80') }]
      : []),
  );

/** A query string (without `?`), sometimes absent. */
export const queryString = fc.option(
  fc
    .array(fc.tuple(fc.string({ maxLength: 10 }), fc.string({ maxLength: 30 })), { maxLength: 5 })
    .map((pairs) =>
      pairs.map(([key, value]) => `${encodeURIComponent(key)}=${encodeURIComponent(value)}`).join('&'),
    ),
  { nil: undefined },
);

/** A path under `prefix` (e.g. `/cases`), of 0-4 generated segments. */
export const pathUnder = (prefix: string, options: { invalidUtf8Escapes?: boolean } = {}) =>
  fc
    .tuple(fc.array(pathSegment(options), { maxLength: 4 }), queryString)
    .map(
      ([segments, query]) =>
        `${prefix}${segments.map((segment) => `/${segment}`).join('')}${query ? `?${query}` : ''}`,
    );

export const httpMethod = fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS');

/** JSON and not-quite-JSON request bodies. */
export const jsonishBody = fc.oneof(
  fc.json({ maxDepth: 4 }),
  fc.jsonValue({ maxDepth: 3 }).map((value) => JSON.stringify({ note: value, reason: value, queue: value })),
  fc.string({ maxLength: 200 }),
  fc.nat({ max: 2_000 }).map((depth) => `${'['.repeat(depth)}${']'.repeat(depth)}`),
  fc.constantFrom('', '{', '{"reason":', 'null', '[]', '{"__proto__":{"admin":true}}', '\u0000'),
);

const headerText = fc
  .string({ unit: 'grapheme-ascii', maxLength: 60 })
  .map((text) => text.replace(/[\r\n]/g, ' '));
const unicodeText = fc.string({ unit: 'grapheme', maxLength: 80 });
const messageId = fc.oneof(
  fc.uuid().map((id) => `<${id}@fuzz.example>`),
  fc.constant('<same@fuzz.example>'),
  tricky.map((text) => `<${text}@fuzz.example>`),
  headerText,
);
const html = fc.oneof(
  fc
    .array(
      fc.oneof(
        fc.constantFrom(
          '<p>',
          '</p>',
          '<div>',
          '<br>',
          '<blockquote>',
          '</blockquote>',
          '<li>',
          '<script>',
          '<!--',
          '<',
        ),
        unicodeText,
      ),
      { maxLength: 60 },
    )
    .map((parts) => parts.join('')),
  fc.nat({ max: 5_000 }).map((count) => '<'.repeat(count)),
);
const textBody = fc.oneof(
  unicodeText,
  fc.constantFrom(
    'Please refill my lisinopril. SSN 123-45-6789.',
    'I want to appeal the denial of my Humira, this is urgent',
    '> quoted\nOn Tue, Jane wrote:\n> old',
  ),
);

/** A generated RFC 822 message: plausible, broken, or both. */
const structuredEmail = fc
  .record({
    from: fc.oneof(
      fc.emailAddress(),
      headerText,
      fc
        .emailAddress()
        .map((address) => `"=?utf-8?B?${Buffer.from('Jöhn').toString('base64')}?=" <${address}>`),
    ),
    subject: fc.oneof(
      headerText,
      fc.constant('=?utf-8?Q?=E2=82=AC_refill?='),
      fc.constant('Re: [CR-0000000000] refill'),
    ),
    messageId: fc.option(messageId, { nil: undefined }),
    references: fc.array(messageId, { maxLength: 4 }),
    autoSubmitted: fc.option(fc.constantFrom('auto-replied', 'no'), { nil: undefined }),
    contentType: fc.constantFrom(
      'text/plain; charset=utf-8',
      'text/html; charset=utf-8',
      'text/plain; charset=x-unknown',
      'multipart/alternative; boundary="B"',
    ),
    transferEncoding: fc.option(fc.constantFrom('base64', 'quoted-printable', '8bit', 'x-bogus'), {
      nil: undefined,
    }),
    text: textBody,
    html,
  })
  .map((mail) => {
    const headers = [
      `From: ${mail.from}`,
      'To: support@pharmacy.example',
      `Subject: ${mail.subject}`,
      ...(mail.messageId ? [`Message-ID: ${mail.messageId}`] : []),
      ...(mail.references.length > 0 ? [`References: ${mail.references.join(' ')}`] : []),
      ...(mail.autoSubmitted ? [`Auto-Submitted: ${mail.autoSubmitted}`] : []),
      'MIME-Version: 1.0',
      `Content-Type: ${mail.contentType}`,
      ...(mail.transferEncoding ? [`Content-Transfer-Encoding: ${mail.transferEncoding}`] : []),
    ];
    const body = mail.contentType.startsWith('multipart')
      ? `--B\r\nContent-Type: text/plain\r\n\r\n${mail.text}\r\n--B\r\nContent-Type: text/html\r\n\r\n${mail.html}\r\n--B--\r\n`
      : mail.contentType.startsWith('text/html')
        ? mail.html
        : mail.text;
    return new TextEncoder().encode(`${headers.join('\r\n')}\r\n\r\n${body}`);
  });

/** Raw inbound e-mail bodies: generated messages, random bytes, and truncated or spliced messages. */
export const emailBody = fc.oneof(
  { weight: 6, arbitrary: structuredEmail },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 2_000 }) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(structuredEmail, fc.nat(), fc.uint8Array({ maxLength: 64 }))
      .map(([mail, cut, junk]) => Uint8Array.from([...mail.subarray(0, cut % (mail.length + 1)), ...junk])),
  },
);
