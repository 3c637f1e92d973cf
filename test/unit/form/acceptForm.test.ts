import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hmacSha256Hex } from '../../../lambdas/adapters/secrets/limiterKey.js';
import { recordInbound } from '../../../lambdas/domain/cases/recordInbound.js';
import { InboundMessageSchema } from '../../../lambdas/domain/inboundMessage.js';
import {
  type AcceptFormServices,
  acceptForm,
  FORM_RATE_LIMITS,
} from '../../../lambdas/domain/ingest/acceptForm.js';
import { memberTimeZone } from '../../../lambdas/domain/outbound/acknowledge.js';
import { DEFAULT_POLICY } from '../../../lambdas/domain/policy/defaultPolicy.js';
import type { WebhookRequest } from '../../../lambdas/domain/webhookRequest.js';
import {
  fixedClock,
  MemoryBlobStore,
  MemoryInboundQueue,
  MemoryRateLimiter,
  sha256Hex,
} from '../../helpers/channelFakes.js';
import { InMemoryCaseStore } from '../../helpers/InMemoryCaseStore.js';

function setup() {
  const inboundQueue = new MemoryInboundQueue();
  const blobStore = new MemoryBlobStore();
  const services: AcceptFormServices = {
    blobStore,
    inboundQueue,
    rateLimiter: new MemoryRateLimiter(),
    clock: fixedClock('2026-03-03T15:00:00Z'),
    digest: sha256Hex,
    limiterDigest: hmacSha256Hex('a limiter key of at least 32 chars'),
  };
  const post = (form: unknown, sourceIp = '198.51.100.7', raw?: string): WebhookRequest => ({
    method: 'POST',
    url: 'https://desk.example/inbound/form',
    headers: { 'content-type': 'application/json' },
    body: Buffer.from(raw ?? JSON.stringify(form)),
    sourceIp,
  });
  return { services, inboundQueue, blobStore, post };
}

const spanishForm = {
  name: 'Lucía Fernández',
  email: 'lucia@example.mx',
  memberId: 'MX-448120',
  country: 'mx',
  preferredLanguage: 'ES',
  topic: 'international',
  message: 'Vivo en Guadalajara y necesito mis medicamentos para la presión. ¿Pueden enviarlos a México?',
};

describe('acceptForm', () => {
  it('tells the sender the reference of the case the route stage opens from the submission', async () => {
    const { services, inboundQueue, post } = setup();
    const caseStore = new InMemoryCaseStore();

    const outcome = await acceptForm(post(spanishForm), services);
    const queued = InboundMessageSchema.parse(inboundQueue.messages[0]);
    const created = await recordInbound(queued, { caseStore, clock: services.clock, policy: DEFAULT_POLICY });

    expect(created.outcome).toBe('created');
    expect(outcome.body.reference).toBe((await caseStore.getCaseRecord(created.caseId))?.reference);
  });

  it('queues the inquiry with the contact e-mail as reply address and the preferred language as a hint', async () => {
    const { services, inboundQueue, post } = setup();

    const outcome = await acceptForm(post(spanishForm), services);

    expect(outcome).toMatchObject({
      status: 202,
      body: { status: 'received', reference: expect.stringMatching(/^CR-/) },
    });
    expect(InboundMessageSchema.parse(inboundQueue.messages[0])).toMatchObject({
      channel: 'form',
      sender: { address: 'lucia@example.mx', name: 'Lucía Fernández' },
      replyTo: 'lucia@example.mx',
      hints: {
        preferredLanguage: 'es',
        country: 'MX',
        topic: 'international',
        topicSource: 'member',
        formFields: { memberId: 'MX-448120', country: 'MX', preferredLanguage: 'es', topic: 'international' },
      },
    });
  });

  it('passes a checked expedited box to routing as a hint', async () => {
    const { services, inboundQueue, post } = setup();
    await acceptForm(post({ ...spanishForm, expedited: true }), services);
    expect(inboundQueue.messages[0]?.hints.expedited).toBe(true);
  });

  it('gives the same message identity to a double submission, so routing makes one case', async () => {
    const { services, inboundQueue, post } = setup();
    await acceptForm(post(spanishForm), services);
    await acceptForm(post(spanishForm), services);
    expect(new Set(inboundQueue.messages.map((message) => message.externalId)).size).toBe(1);
  });

  it("takes the browser's time zone, so the acknowledgement's due time is the member's own (README: a form's timeZone field)", async () => {
    const { services, inboundQueue, post } = setup();

    // Mexico keeps several zones, so the country alone names none.
    const outcome = await acceptForm(post({ ...spanishForm, timeZone: 'America/Tijuana' }), services);

    expect(outcome.status).toBe(202);
    const queued = InboundMessageSchema.parse(inboundQueue.messages[0]);
    expect(memberTimeZone(queued.hints)).toBe('America/Tijuana');
  });

  it('answers 422 naming timeZone when it is not shaped like a zone name', async () => {
    const { services, inboundQueue, post } = setup();
    const outcome = await acceptForm(
      post({ ...spanishForm, timeZone: 'Europe/Paris\r\nBcc: x@y' }),
      services,
    );
    expect(outcome).toMatchObject({ status: 422, body: { fields: { timeZone: expect.any(String) } } });
    expect(inboundQueue.messages).toHaveLength(0);
  });

  it('answers 422 with an error for each wrong field', async () => {
    const { services, inboundQueue, post } = setup();
    const outcome = await acceptForm(
      post({ ...spanishForm, email: 'lucia', country: 'XX', preferredLanguage: 'zz', message: ' ' }),
      services,
    );
    expect(outcome.status).toBe(422);
    expect(Object.keys(outcome.body.fields as object).sort()).toEqual([
      'country',
      'email',
      'message',
      'preferredLanguage',
    ]);
    expect(inboundQueue.messages).toHaveLength(0);
  });

  it('accepts only assigned ISO 3166-1 countries (and Kosovo), not the withdrawn or reserved codes ICU still names', async () => {
    const { services, post } = setup();
    const statusFor = async (country: string, index: number) =>
      (
        await acceptForm(
          post({ ...spanishForm, country, message: `q ${country}` }, `192.0.2.${index}`),
          services,
        )
      ).status;
    const refused = ['UK', 'AC', 'YU', 'SU', 'AN', 'CP', 'DG', 'TA', 'QM', 'AA'];
    const accepted = ['MX', 'gb', 'XK', 'BQ', 'SS'];
    const statuses = await Promise.all(
      [...refused, ...accepted].map((code, index) => statusFor(code, index)),
    );
    expect(statuses).toEqual([...refused.map(() => 422), ...accepted.map(() => 202)]);
  });

  it('answers 413 to a body over the limit and 415 to a body that is not JSON', async () => {
    const { services, post } = setup();
    expect((await acceptForm(post(undefined, undefined, 'x'.repeat(40_000)), services)).status).toBe(413);
    expect(
      (await acceptForm({ ...post(spanishForm), headers: { 'content-type': 'text/plain' } }, services))
        .status,
    ).toBe(415);
  });

  it('quarantines a submission whose honeypot is filled and answers it as it would a person', async () => {
    const { services, inboundQueue, blobStore, post } = setup();
    const outcome = await acceptForm(post({ ...spanishForm, website: 'http://spam.example' }), services);
    expect(outcome).toMatchObject({ status: 202, outcome: 'quarantined', body: { status: 'received' } });
    expect(inboundQueue.messages).toHaveLength(0);
    const [key, object] = [...blobStore.objects][0] ?? [];
    expect(key).toMatch(/^quarantine\/form\//);
    expect(object?.metadata).toEqual({ 'quarantine-reason': 'honeypot field filled' });
  });

  it('answers 429 past the limit per client address and per contact e-mail', async () => {
    const { services, post } = setup();
    const statuses: number[] = [];
    for (let index = 0; index < FORM_RATE_LIMITS.perAddress.limit + 1; index++) {
      statuses.push(
        (await acceptForm(post({ ...spanishForm, email: `p${index}@example.mx` }, '203.0.113.9'), services))
          .status,
      );
    }
    expect(statuses.at(-1)).toBe(429);
    expect(statuses.slice(0, -1).every((status) => status === 202)).toBe(true);

    const perEmail: number[] = [];
    for (let index = 0; index < FORM_RATE_LIMITS.perEmail.limit + 1; index++) {
      perEmail.push(
        (
          await acceptForm(
            post({ ...spanishForm, message: `question ${index}` }, `192.0.2.${index}`),
            services,
          )
        ).status,
      );
    }
    expect(perEmail.at(-1)).toBe(429);
  });

  it('counts every spelling of one Gmail inbox against one per-address limit', async () => {
    const { services, post } = setup();
    // Dots moved about, a +tag, and both of Google's domains: one inbox all along.
    const spellings = ['an.a.ruiz@gmail.com', 'a.na.ruiz@googlemail.com', 'AnaRuiz+form@Gmail.com'];
    const statuses: number[] = [];
    for (let index = 0; index < FORM_RATE_LIMITS.perEmail.limit + 1; index++) {
      const email = spellings[index % spellings.length] ?? '';
      const form = post({ ...spanishForm, email, message: `question ${index}` }, `198.51.100.${index}`);
      statuses.push((await acceptForm(form, services)).status);
    }
    expect(statuses.at(-1)).toBe(429);
    expect(statuses.slice(0, -1).every((status) => status === 202)).toBe(true);
  });

  it('answers only 2xx or 4xx to 1,000 arbitrary bodies and queues a valid message for each 202', async () => {
    const { services, inboundQueue, post } = setup();
    let address = 0;
    const outcomes = new Map<string, number>();
    const valid = <T>(good: fc.Arbitrary<T>, bad: fc.Arbitrary<T>) =>
      fc.oneof({ arbitrary: good, weight: 9 }, { arbitrary: bad, weight: 1 });
    const bodies = fc.oneof(
      { arbitrary: fc.string({ maxLength: 300 }), weight: 1 },
      { arbitrary: fc.json({ maxDepth: 3 }), weight: 1 },
      // Mostly valid forms with one field now and then wrong, so the accept path runs too.
      {
        weight: 4,
        arbitrary: fc
          .record({
            name: valid(
              fc.string({ minLength: 1, maxLength: 30 }).filter((name) => name.trim() !== ''),
              fc.constant(''),
            ),
            email: valid(
              fc
                .tuple(fc.stringMatching(/^[a-z0-9.]{1,12}$/), fc.constantFrom('example.mx', 'example.de'))
                .map(([local, domain]) => `x${local.replace(/\.+/g, '.').replace(/\.$/, '')}@${domain}`),
              fc.string({ maxLength: 20 }),
            ),
            memberId: valid(fc.stringMatching(/^[A-Z0-9]{4,12}$/), fc.string({ maxLength: 25 })),
            country: valid(fc.constantFrom('MX', 'de', 'JP'), fc.constantFrom('XX', '', 'USA')),
            preferredLanguage: valid(fc.constantFrom('es', 'fr', 'ja'), fc.constantFrom('zz', 'english')),
            topic: valid(fc.constantFrom('billing', 'international'), fc.constant('nonsense')),
            message: valid(
              fc.string({ minLength: 1, maxLength: 200 }).filter((text) => text.trim() !== ''),
              fc.constant(' '),
            ),
            expedited: fc.boolean(),
            website: valid(fc.constant(''), fc.constant('http://x')),
          })
          .map((form) => JSON.stringify(form)),
      },
    );
    await fc.assert(
      fc.asyncProperty(bodies, async (raw) => {
        const before = inboundQueue.messages.length;
        address++;
        const outcome = await acceptForm(
          post(undefined, `10.0.${address >> 8}.${address & 255}`, raw),
          services,
        );
        outcomes.set(outcome.outcome, (outcomes.get(outcome.outcome) ?? 0) + 1);
        expect(outcome.status >= 200 && outcome.status < 500).toBe(true);
        const queued = inboundQueue.messages.length - before;
        expect(queued).toBe(outcome.outcome === 'accepted' ? 1 : 0);
        if (queued) expect(InboundMessageSchema.safeParse(inboundQueue.messages.at(-1)).success).toBe(true);
      }),
      { numRuns: 1_000 },
    );
    // The run exercised acceptance, rejection and the honeypot, not only the parser's front door.
    expect(outcomes.get('accepted') ?? 0).toBeGreaterThan(20);
    expect(outcomes.get('rejected') ?? 0).toBeGreaterThan(100);
    expect(outcomes.get('quarantined') ?? 0).toBeGreaterThan(0);
  });
});
