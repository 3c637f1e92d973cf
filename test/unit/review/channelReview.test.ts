import { describe, expect, it } from 'vitest';
import { hmacSha256Hex } from '../../../lambdas/adapters/secrets/limiterKey.js';
import { type AcceptFormServices, acceptForm } from '../../../lambdas/domain/ingest/acceptForm.js';
import type { WebhookRequest } from '../../../lambdas/domain/webhookRequest.js';
import {
  fixedClock,
  MemoryBlobStore,
  MemoryInboundQueue,
  MemoryRateLimiter,
  sha256Hex,
} from '../../helpers/channelFakes.js';

/**
 * Defects found by the hostile review of #8/#9/#11 (branch `review`). Each test fails on cfb7915
 * and states the behaviour the fix must give.
 */

function formSetup() {
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
  const post = (form: unknown, sourceIp: string): WebhookRequest => ({
    method: 'POST',
    url: 'https://desk.example/inbound/form',
    headers: { 'content-type': 'application/json' },
    body: Buffer.from(JSON.stringify(form)),
    sourceIp,
  });
  return { services, inboundQueue, blobStore, post };
}

const form = { name: 'Ana', country: 'MX', preferredLanguage: 'es' };

describe('review: international form', () => {
  it('keeps the raw submission of each case when two different submissions share a submissionId', async () => {
    const { services, inboundQueue, blobStore, post } = formSetup();
    const first = {
      ...form,
      email: 'first@a.example',
      message: 'Mi SSN es 123-45-6789, necesito mi receta',
      submissionId: 'abcdef12-same-id',
    };
    const second = {
      ...form,
      email: 'other@b.example',
      message: 'otra cosa',
      submissionId: 'abcdef12-same-id',
    };

    const answers = [
      await acceptForm(post(first, '198.51.100.1'), services),
      await acceptForm(post(second, '198.51.100.2'), services),
      // The first again (the page retrying): the same case, queued again for routing to dedupe.
      await acceptForm(post(first, '198.51.100.1'), services),
      // The second differing only where the message identity does not look (member ID, expedited).
      await acceptForm(post({ ...first, memberId: 'MX-448121', expedited: true }, '198.51.100.3'), services),
    ];

    // A different submission under a used id is refused, never written over the first or dropped
    // with a 202 (fixed differently from the review's expectation: refused, as idempotency keys are).
    expect(answers.map((answer) => answer.status)).toEqual([202, 422, 202, 422]);
    expect(answers[1]?.body.error).toBe('submission_id_reused');
    expect(answers[2]?.body.reference).toBe(answers[0]?.body.reference);
    expect(new Set(inboundQueue.messages.map((message) => message.externalId)).size).toBe(1);
    const firstKey = inboundQueue.messages[0]?.rawBlobKey ?? '';
    const firstRaw = JSON.parse(Buffer.from((await blobStore.get(firstKey)) ?? []).toString());
    expect(firstRaw.email).toBe('first@a.example');
    expect(firstRaw.memberId).toBeUndefined();
  });

  it('counts plus-addressed variants of one mailbox against one per-email limit', async () => {
    const { services, post } = formSetup();
    const answers: number[] = [];
    for (let attempt = 1; attempt <= 8; attempt++) {
      const outcome = await acceptForm(
        post(
          { ...form, email: `victim+${attempt}@mail.example`, message: `confirmation ${attempt}` },
          `203.0.113.${attempt}`,
        ),
        services,
      );
      answers.push(outcome.status);
    }
    // FORM_RATE_LIMITS.perEmail is 5 an hour: the confirmations all land in one mailbox.
    expect(answers.filter((status) => status === 202)).toHaveLength(5);
  });

  it('does not store contact e-mails in clear in the rate-limit keys (the table is acknowledged as holding hashes)', async () => {
    const { services, post } = formSetup();
    const limiter = services.rateLimiter as MemoryRateLimiter;
    await acceptForm(post({ ...form, email: 'lucia@example.mx', message: 'hola' }, '198.51.100.9'), services);
    const keys = [...limiter.hits.keys()].join(' ');
    expect(keys).not.toContain('lucia@example.mx');
    expect(keys).not.toContain('198.51.100.9');
    // Nor their plain digests: 2^32 guesses reverse a SHA-256 of an IPv4 address; the key is needed.
    expect(keys).not.toContain(sha256Hex('198.51.100.9'));
    expect(keys).not.toContain(sha256Hex('lucia@example.mx'));
    expect(keys).toContain(hmacSha256Hex('a limiter key of at least 32 chars')('198.51.100.9'));
  });
});

describe('review: form honeypot', () => {
  it('answers a filled honeypot exactly as it answers a person, so a bot cannot tell', async () => {
    const { services, post } = formSetup();
    const person = await acceptForm(
      post({ ...form, email: 'person@a.example', message: 'hola' }, '198.51.100.20'),
      services,
    );
    const bot = await acceptForm(
      post(
        { ...form, email: 'bot@a.example', message: 'buy now', website: 'http://spam.example' },
        '198.51.100.21',
      ),
      services,
    );
    expect(bot.status).toBe(person.status);
    // A person gets { status, reference }; the bot gets { status } only.
    expect(Object.keys(bot.body).sort()).toEqual(Object.keys(person.body).sort());
  });
});

describe('review: form country of residence', () => {
  it.each(['ZZ', 'EU', 'UN', 'EZ', 'QO', 'XA', 'XB'])(
    'refuses %s, which ICU names but is no ISO 3166-1 country',
    async (country) => {
      const { services, post } = formSetup();
      const outcome = await acceptForm(
        post({ ...form, country, email: 'x@a.example', message: 'hola' }, '198.51.100.30'),
        services,
      );
      expect(outcome.status).toBe(422);
    },
  );
});
