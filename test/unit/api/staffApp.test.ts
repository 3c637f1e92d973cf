import { beforeEach, describe, expect, it, vi } from 'vitest';
import { createStaffApp, type StaffApiServices } from '../../../lambdas/api/app.js';
import { recordInbound } from '../../../lambdas/domain/cases/recordInbound.js';
import type { StaffRole } from '../../../lambdas/domain/cases/staffMember.js';
import { faxPageImageKey } from '../../../lambdas/domain/fax/ocr.js';
import type { FaxJob } from '../../../lambdas/domain/ingest/acceptFax.js';
import { faxToInboundMessage } from '../../../lambdas/domain/ingest/readFax.js';
import { DEFAULT_POLICY } from '../../../lambdas/domain/policy/defaultPolicy.js';
import type { OutboundMail } from '../../../lambdas/domain/ports.js';
import { devTokenAuthenticate, mintDevToken } from '../../../lambdas/local/devTokens.js';
import { MemoryBlobStore } from '../../helpers/channelFakes.js';
import { InMemoryCaseStore } from '../../helpers/InMemoryCaseStore.js';
import { inboundEmail } from '../../helpers/inboundMessages.js';

const env = { CONTACT_ROUTER_DEV_SECRET: 'unit-secret' };
const clock = { now: () => new Date('2026-11-27T16:00:00.000Z') };
const desk = { address: 'support@pharmacy.example', name: 'Member Services', timeZone: 'America/Chicago' };

class RecordingMailer {
  readonly sent: OutboundMail[] = [];
  async send(mail: OutboundMail) {
    this.sent.push(mail);
    return { providerMessageId: `ses-${this.sent.length}` };
  }
}

async function setup() {
  const caseStore = new InMemoryCaseStore();
  await recordInbound(inboundEmail(), { caseStore, clock, policy: DEFAULT_POLICY });
  const mailer = new RecordingMailer();
  const services: StaffApiServices = {
    caseStore,
    clock,
    policy: DEFAULT_POLICY,
    leaseMs: 15 * 60_000,
    metrics: { count: () => {} },
    desk,
    mailer,
  };
  const app = createStaffApp({ services, authenticate: devTokenAuthenticate(env) });
  const tokens = new Map<string, string>();
  async function call(
    staff: string | undefined,
    method: string,
    path: string,
    options: {
      body?: unknown;
      raw?: string;
      headers?: Record<string, string>;
      role?: StaffRole;
      skills?: string[];
    } = {},
  ) {
    const headers: Record<string, string> = { ...(options.headers ?? {}) };
    if (staff) {
      const key = `${staff}/${options.role ?? 'agent'}`;
      if (!tokens.has(key))
        tokens.set(
          key,
          await mintDevToken(staff, env, { role: options.role ?? 'agent', skills: options.skills ?? [] }),
        );
      headers.authorization = `Bearer ${tokens.get(key)}`;
    }
    if (options.body !== undefined || options.raw !== undefined)
      headers['content-type'] ??= 'application/json';
    const response = await app.request(path, {
      method,
      headers,
      ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
      ...(options.raw !== undefined ? { body: options.raw } : {}),
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
  }
  const [caseId = ''] = [...caseStore.cases.keys()];
  return { app, call, caseStore, mailer, caseId };
}

type Setup = Awaited<ReturnType<typeof setup>>;

describe('staff API app', () => {
  let api: Setup;
  beforeEach(async () => {
    api = await setup();
  });

  it('gives one message of a case whole by its index, and a precise 4xx for anything else', async () => {
    const whole = await api.call('alice', 'GET', `/cases/${api.caseId}/messages/0`);
    expect(whole.status).toBe(200);
    expect(whole.body.message).toMatchObject({
      externalId: '<refill-1@mail.example.com>',
      direction: 'inbound',
    });
    expect(whole.body.message.text).toContain('[SSN]');
    expect(whole.body.message.text).not.toContain('123-45-6789');
    expect((await api.call('alice', 'GET', `/cases/${api.caseId}/messages/1`)).body).toMatchObject({
      status: 404,
      type: 'urn:contact-router:problem:message-not-found',
    });
    expect((await api.call('alice', 'GET', `/cases/${api.caseId}/messages/01`)).status).toBe(400);
    expect((await api.call('alice', 'GET', '/cases/0000000000/messages/0')).body).toMatchObject({
      status: 404,
      type: 'urn:contact-router:problem:case-not-found',
    });
    expect((await api.call(undefined, 'GET', `/cases/${api.caseId}/messages/0`)).status).toBe(401);
  });

  it('refuses a request without a token as problem+json with a Bearer challenge', async () => {
    const response = await api.call(undefined, 'GET', '/queues');
    expect(response.status).toBe(401);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(response.headers.get('www-authenticate')).toContain('Bearer');
    expect(response.body).toMatchObject({ type: 'urn:contact-router:problem:unauthenticated', status: 401 });
  });

  it('serves the OpenAPI 3.1 document without a token, describing every route and the problem schema', async () => {
    const response = await api.call(undefined, 'GET', '/openapi.json');
    expect(response.status).toBe(200);
    expect(response.body.openapi).toBe('3.1.0');
    expect(Object.keys(response.body.paths)).toEqual(
      expect.arrayContaining([
        '/queues',
        '/queues/{queue}/claim',
        '/cases',
        '/cases/{caseId}',
        '/cases/by-reference/{reference}',
        '/cases/{caseId}/reply',
        '/cases/{caseId}/merge',
        '/cases/{caseId}/renew',
        '/me',
        '/templates',
      ]),
    );
    expect(response.body.paths['/cases/{caseId}/merge'].post['x-access']).toBe('supervisor');
    expect(response.body.components.schemas.Problem).toBeDefined();
    expect(response.body.components.securitySchemes.bearerAuth).toMatchObject({
      type: 'http',
      scheme: 'bearer',
    });
  });

  it('says who the token names', async () => {
    const response = await api.call('alice', 'GET', '/me', { role: 'supervisor', skills: ['es', 'pt'] });
    expect(response.body).toEqual({ id: 'alice', role: 'supervisor', languages: ['es', 'pt'] });
  });

  it('answers 400 for a path that is not valid percent-encoding', async () => {
    const response = await api.call('alice', 'GET', '/cases/%zz');
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ type: 'urn:contact-router:problem:malformed-path' });
    expect(response.body.detail).toContain('%');
  });

  it('answers 404 problems for an unknown case, queue and route', async () => {
    expect((await api.call('alice', 'GET', '/cases/NOPE000000')).body).toMatchObject({
      status: 404,
      type: 'urn:contact-router:problem:case-not-found',
    });
    expect((await api.call('alice', 'POST', '/queues/nope/claim')).body).toMatchObject({
      status: 404,
      type: 'urn:contact-router:problem:queue-not-found',
    });
    expect((await api.call('alice', 'GET', '/cases?state=queued&queue=nope')).status).toBe(404);
    expect((await api.call('alice', 'DELETE', '/queues')).body).toMatchObject({
      status: 404,
      type: 'urn:contact-router:problem:route-not-found',
    });
  });

  it('claims with an ETag, replies by e-mail threaded on the member’s message, and shows the reply as outbound', async () => {
    const claimed = await api.call('alice', 'POST', '/queues/fulfillment/claim');
    expect(claimed.status).toBe(200);
    expect(claimed.headers.get('etag')).toBe(`"v${claimed.body.case.version}"`);

    const claimOutboxEntry = vi.spyOn(api.caseStore, 'claimOutboxEntry');
    const reply = await api.call('alice', 'POST', `/cases/${api.caseId}/reply`, {
      body: { text: 'Your refill ships today.' },
      headers: { 'if-match': claimed.headers.get('etag') ?? '' },
    });
    expect(reply.status).toBe(200);
    expect(reply.body.message).toMatchObject({ delivery: 'sent' });
    expect(api.mailer.sent).toHaveLength(1);
    // The reply's entry was written held for this request, which sent it without a claim of its own.
    expect(claimOutboxEntry).not.toHaveBeenCalled();
    expect([...api.caseStore.outbox.values()].map((entry) => entry.sentAt !== undefined)).toEqual([true]);
    const [mail] = api.mailer.sent;
    expect(mail?.to).toEqual(['maria@example.com']);
    expect(mail?.subject).toMatch(/^Re: .* \[CR-[0-9A-Z]{10}\]$/);
    expect(mail?.headers['In-Reply-To']).toBe('<refill-1@mail.example.com>');
    expect(mail?.headers['Message-ID']).toBe(reply.body.message.messageId);
    expect(mail?.text).toContain('Your refill ships today.');

    const view = await api.call('alice', 'GET', `/cases/${api.caseId}`);
    expect(view.body.messages.map((message: { direction: string }) => message.direction)).toEqual([
      'inbound',
      'outbound',
    ]);
    expect(
      view.body.case.clocks.clocks.find((clock: { kind: string }) => clock.kind === 'firstResponse').state,
    ).toBe('stopped');
    expect(view.body.history.map((event: { type: string }) => event.type)).toContain('replied');
  });

  it('names the invalid field of a malformed body, and refuses bodies that are not JSON', async () => {
    await api.call('alice', 'POST', '/queues/fulfillment/claim');
    const wrongType = await api.call('alice', 'POST', `/cases/${api.caseId}/transfer`, {
      body: { queue: 5 },
    });
    expect(wrongType.status).toBe(400);
    expect(wrongType.body.errors.map((error: { field: string }) => error.field).sort()).toEqual([
      'queue',
      'reason',
    ]);
    expect(wrongType.body.detail).toContain('body field "queue"');

    const notJson = await api.call('alice', 'POST', `/cases/${api.caseId}/note`, { raw: '{"text": ' });
    expect(notJson.status).toBe(400);
    expect(notJson.body.type).toBe('urn:contact-router:problem:malformed-json');

    const form = await api.call('alice', 'POST', `/cases/${api.caseId}/note`, {
      raw: 'text=hi',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(form.status).toBe(415);

    const extra = await api.call('alice', 'POST', `/cases/${api.caseId}/reply`, {
      body: { text: 'hi', bcc: 'x@y.z' },
    });
    expect(extra.status).toBe(400);
  });

  it('refuses a reply from someone who does not hold the case, a stale If-Match, and an agent merging — changing nothing', async () => {
    const claimed = await api.call('alice', 'POST', '/queues/fulfillment/claim');
    const before = await api.call('alice', 'GET', `/cases/${api.caseId}`);

    const notHolder = await api.call('bob', 'POST', `/cases/${api.caseId}/reply`, {
      body: { text: 'hello' },
    });
    expect(notHolder.status).toBe(403);
    expect(notHolder.body.type).toBe('urn:contact-router:problem:not-holder');

    const stale = await api.call('alice', 'POST', `/cases/${api.caseId}/pend`, {
      headers: { 'if-match': `"v${claimed.body.case.version - 1}"` },
    });
    expect(stale.status).toBe(412);
    expect(stale.body.case.version).toBe(claimed.body.case.version);
    expect(stale.headers.get('etag')).toBe(claimed.headers.get('etag'));

    const leadingZero = await api.call('alice', 'POST', `/cases/${api.caseId}/pend`, {
      headers: { 'if-match': `"v0${claimed.body.case.version}"` },
    });
    expect(leadingZero.status).toBe(400);

    const malformedIfMatch = await api.call('alice', 'POST', `/cases/${api.caseId}/pend`, {
      headers: { 'if-match': 'v7' },
    });
    expect(malformedIfMatch.status).toBe(400);
    expect(malformedIfMatch.body.errors[0]).toMatchObject({ in: 'header', field: 'if-match' });

    const merge = await api.call('alice', 'POST', `/cases/${api.caseId}/merge`, { body: { into: 'X' } });
    expect(merge.status).toBe(403);

    const after = await api.call('alice', 'GET', `/cases/${api.caseId}`);
    expect(after.body).toEqual(before.body);
    expect(api.mailer.sent).toHaveLength(0);
  });

  it('reclassifies a claimed case: 400 naming a bad topic or receipt time, 409 for a receipt in the future, then the policy re-routes it', async () => {
    await api.call('alice', 'POST', '/queues/fulfillment/claim');
    const badTopic = await api.call('alice', 'POST', `/cases/${api.caseId}/reclassify`, {
      body: { topic: 'appeals', reason: 'x' },
    });
    expect(badTopic.status).toBe(400);
    expect(badTopic.body.errors.map((error: { field: string }) => error.field)).toEqual(['topic']);
    const badTime = await api.call('alice', 'POST', `/cases/${api.caseId}/reclassify`, {
      body: { topic: 'appeal', partD: { receivedAt: 'yesterday' }, reason: 'x' },
    });
    expect(badTime.status).toBe(400);
    expect(badTime.body.errors.map((error: { field: string }) => error.field)).toEqual(['partD.receivedAt']);
    const future = await api.call('alice', 'POST', `/cases/${api.caseId}/reclassify`, {
      body: { topic: 'appeal', partD: { receivedAt: '2026-11-28T16:00:00+01:00' }, reason: 'x' },
    });
    expect(future.status).toBe(409);
    expect(future.body).toMatchObject({
      type: 'urn:contact-router:problem:invalid-state',
      case: { topic: 'refill' },
    });
    const done = await api.call('alice', 'POST', `/cases/${api.caseId}/reclassify`, {
      body: { topic: 'appeal', expedited: true, reason: 'a denied refill the prescriber calls urgent' },
    });
    expect(done.status).toBe(200);
    expect(done.body.case).toMatchObject({
      topic: 'appeal',
      queue: 'appeals',
      priority: 'urgent',
      state: 'queued',
    });
    expect(done.body.case.sla.regulatoryDueAt).toBeDefined();
    expect(done.headers.get('etag')).toBe(`"v${done.body.case.version}"`);
  });

  it('refuses staff text with nothing visible in it, or with control characters, naming the field and changing nothing', async () => {
    await api.call('alice', 'POST', '/queues/fulfillment/claim');
    const before = await api.call('alice', 'GET', `/cases/${api.caseId}`);
    const refused: [string, Record<string, string>, string][] = [
      ['note', { text: '\u200B\u200B' }, 'text'],
      ['note', { text: '\u0000' }, 'text'],
      ['reply', { text: '\u202E \u2066' }, 'text'],
      ['reply', { text: 'Your refill ships today.\u0000' }, 'text'],
      ['reply', { text: 'Hello\u001B[2Jthere' }, 'text'],
      ['transfer', { queue: 'billing', reason: '\u200B' }, 'reason'],
      ['pend', { reason: 'waiting\u0007' }, 'reason'],
    ];
    for (const [action, body, field] of refused) {
      const response = await api.call('alice', 'POST', `/cases/${api.caseId}/${action}`, { body });
      expect(response.status, `${action} ${JSON.stringify(body)}`).toBe(400);
      expect(response.body.errors[0]).toMatchObject({ in: 'body', field });
    }
    expect((await api.call('alice', 'GET', `/cases/${api.caseId}`)).body).toEqual(before.body);
    // Tabs, line breaks and a right-to-left mark inside real text are writing, not tricks.
    const written = await api.call('alice', 'POST', `/cases/${api.caseId}/note`, {
      body: { text: 'Called:\tno answer.\r\nשלום \u200Fagain' },
    });
    expect(written.status).toBe(200);
  });

  it('refuses a reassignment to a name no staff token can carry, or to the alias "me", changing nothing', async () => {
    await api.call('alice', 'POST', '/queues/fulfillment/claim');
    const before = await api.call('sam', 'GET', `/cases/${api.caseId}`, { role: 'supervisor' });
    for (const to of [' bob ', 'bob smith', 'me', 'bob\n', 'a/b']) {
      const response = await api.call('sam', 'POST', `/cases/${api.caseId}/reassign`, {
        role: 'supervisor',
        body: { to },
      });
      expect(response.status, JSON.stringify(to)).toBe(400);
      expect(response.body.errors[0]).toMatchObject({ in: 'body', field: 'to' });
    }
    const after = await api.call('sam', 'GET', `/cases/${api.caseId}`, { role: 'supervisor' });
    expect(after.body).toEqual(before.body);
    const handed = await api.call('sam', 'POST', `/cases/${api.caseId}/reassign`, {
      role: 'supervisor',
      body: { to: 'bob.smith@desk' },
    });
    expect(handed.status).toBe(200);
    expect(handed.body.case.assignee).toBe('bob.smith@desk');
  });

  it('redacts the sender name in the case every action and claim answers with, as the case view does', async () => {
    const [stored] = [...api.caseStore.cases.values()];
    if (!stored) throw new Error('no case');
    // A record written before names were stored redacted: what the answer shows must still be redacted.
    api.caseStore.cases.set(stored.caseId, {
      ...stored,
      sender: { ...stored.sender, name: 'SSN 123-45-6789' },
    });
    const claimed = await api.call('alice', 'POST', '/queues/fulfillment/claim');
    expect(claimed.body.case.sender.name).toBe('SSN [SSN]');
    const noted = await api.call('alice', 'POST', `/cases/${api.caseId}/note`, { body: { text: 'called' } });
    expect(noted.body.case.sender.name).toBe('SSN [SSN]');
    const refused = await api.call('alice', 'POST', `/cases/${api.caseId}/reopen`, { body: { reason: 'x' } });
    expect(refused.status).toBe(409);
    expect(refused.body.case.sender.name).toBe('SSN [SSN]');
  });

  it('answers an agent acting on a case someone else holds 403 whatever the body or the state, changing nothing', async () => {
    // Each of these would be a 404 or a 409 for the holder; for anyone else the case is not theirs.
    const attempts: [string, unknown][] = [
      ['transfer', { queue: 'fulfillment', reason: 'same queue' }],
      ['transfer', { queue: 'no-such-queue', reason: 'unknown queue' }],
      ['pend', {}],
      ['release', {}],
      ['renew', {}],
      ['reply', { text: 'hello' }],
    ];
    const refusedToBob = async (held: string) => {
      const before = await api.call('sam', 'GET', `/cases/${api.caseId}`, { role: 'supervisor' });
      for (const [action, body] of attempts) {
        const response = await api.call('bob', 'POST', `/cases/${api.caseId}/${action}`, { body });
        expect(response.status, `${held}: ${action} ${JSON.stringify(body)}`).toBe(403);
        expect(response.body.case).toBeUndefined();
      }
      expect((await api.call('sam', 'GET', `/cases/${api.caseId}`, { role: 'supervisor' })).body).toEqual(
        before.body,
      );
    };
    expect((await api.call('alice', 'POST', '/queues/fulfillment/claim')).status).toBe(200);
    await refusedToBob('claimed by alice');
    const reassigned = await api.call('sam', 'POST', `/cases/${api.caseId}/reassign`, {
      role: 'supervisor',
      body: { to: 'carol' },
    });
    expect(reassigned.status).toBe(200);
    expect((await api.call('carol', 'POST', `/cases/${api.caseId}/pend`)).body.case).toMatchObject({
      state: 'pending',
      assignee: 'carol',
    });
    await refusedToBob('pending with carol');
  });

  it('answers 409 with the current case for an action the state does not allow', async () => {
    const reply = await api.call('alice', 'POST', `/cases/${api.caseId}/reply`, { body: { text: 'hello' } });
    expect(reply.status).toBe(409);
    expect(reply.body).toMatchObject({
      type: 'urn:contact-router:problem:invalid-state',
      case: { state: 'queued' },
    });
  });

  it('lists my claims, refuses an agent listing another’s, and needs a query', async () => {
    await api.call('alice', 'POST', '/queues/fulfillment/claim');
    const mine = await api.call('alice', 'GET', '/cases?assignee=me');
    expect(mine.status).toBe(200);
    expect(mine.body.cases.map((kase: { caseId: string }) => kase.caseId)).toEqual([api.caseId]);
    expect((await api.call('bob', 'GET', '/cases?assignee=alice')).status).toBe(403);
    expect(
      (await api.call('sam', 'GET', '/cases?assignee=alice', { role: 'supervisor' })).body.cases,
    ).toHaveLength(1);
    const none = await api.call('alice', 'GET', '/cases');
    expect(none.status).toBe(400);
    expect(none.body.errors[0]).toMatchObject({ in: 'query', field: 'assignee' });
    const limits = await Promise.all(
      ['1', '100', '0x5', '1e1', '+5', '0', '101'].map(
        async (limit) => (await api.call('alice', 'GET', `/cases?assignee=me&limit=${limit}`)).status,
      ),
    );
    expect(limits).toEqual([200, 200, 400, 400, 400, 400, 400]);
  });

  it('answers 400 naming the cursor for a cursor the list did not hand out', async () => {
    const altered = Buffer.from(JSON.stringify({ s: '', c: 'AAAAAAAAAA' })).toString('base64url');
    for (const path of [
      '/cases?assignee=me&cursor=garbage',
      `/cases?assignee=me&cursor=${altered}`,
      `/cases?state=queued&queue=fulfillment&cursor=${altered}`,
    ]) {
      const response = await api.call('sam', 'GET', path, { role: 'supervisor' });
      expect(response.status, path).toBe(400);
      expect(response.headers.get('content-type')).toContain('application/problem+json');
      expect(response.body.errors).toEqual([expect.objectContaining({ in: 'query', field: 'cursor' })]);
    }
  });

  it('finds a case by the reference a member quotes', async () => {
    const reference = api.caseStore.cases.get(api.caseId)?.reference ?? '';
    const found = await api.call('alice', 'GET', `/cases/by-reference/${reference}`);
    expect(found.status).toBe(200);
    expect(found.body.case.caseId).toBe(api.caseId);
    expect((await api.call('alice', 'GET', '/cases/by-reference/CR-NOPE')).status).toBe(400);
  });

  it('lists the templates of one language for the console', async () => {
    const response = await api.call('alice', 'GET', '/templates?language=es');
    expect(response.body.languages).toHaveLength(1);
    expect(response.body.languages[0].reply.footer).toContain('{reference}');
  });
});

describe('staff API behind the console distribution', () => {
  it('refuses every request, public or not, that lacks the token the distribution adds, before anything else', async () => {
    const app = createStaffApp({
      services: {
        caseStore: new InMemoryCaseStore(),
        clock,
        policy: DEFAULT_POLICY,
        leaseMs: 60_000,
        metrics: { count: () => {} },
      },
      authenticate: devTokenAuthenticate(env),
      originToken: 'the-distribution-token',
    });
    const bearer = `Bearer ${await mintDevToken('alice', env, { role: 'agent', skills: [] })}`;
    const missingOrWrong: Record<string, string>[] = [
      { authorization: bearer },
      { authorization: bearer, 'x-contact-router-origin': 'the-distribution-tokeX' },
      { authorization: bearer, 'x-contact-router-origin': 'the-distribution-token-and-more' },
    ];
    for (const headers of missingOrWrong) {
      const refused = await app.request('/me', { headers });
      expect(refused.status).toBe(403);
      expect(await refused.json()).toMatchObject({
        type: 'urn:contact-router:problem:not-through-console-edge',
      });
    }
    expect((await app.request('/openapi.json')).status).toBe(403);
    const through = await app.request('/me', {
      headers: { authorization: bearer, 'x-contact-router-origin': 'the-distribution-token' },
    });
    expect(through.status).toBe(200);
  });
});

describe('staff API: fax page images', () => {
  it('serves a rendered page of a faxed message as a PNG, and 404 for anything else', async () => {
    const caseStore = new InMemoryCaseStore();
    const job = {
      fax: { provider: 'telnyx', faxId: 'fx-9', receivedAt: '2026-11-27T15:00:00.000Z', pageCount: 2 },
      documentKey: 'fax/telnyx/fx-9/document',
      mediaType: 'application/pdf',
      documentBytes: 2048,
    } as FaxJob;
    const message = faxToInboundMessage(
      job,
      {
        engine: 'test',
        pages: [
          { pageNumber: 1, text: 'REQUEST FOR REDETERMINATION', confidence: 0.9 },
          { pageNumber: 2, text: 'Signature', confidence: 0.8 },
        ],
        unreadable: [],
      },
      undefined,
      [1],
    );
    const created = await recordInbound(message, { caseStore, clock, policy: DEFAULT_POLICY });
    const emailCase = await recordInbound(inboundEmail(), { caseStore, clock, policy: DEFAULT_POLICY });
    const pages = new MemoryBlobStore();
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]);
    await pages.put(faxPageImageKey(job.documentKey, 1), png);
    await pages.put(faxPageImageKey(job.documentKey, 2), png); // stored, but not named on the message
    const app = createStaffApp({
      services: {
        caseStore,
        clock,
        policy: DEFAULT_POLICY,
        leaseMs: 900_000,
        metrics: { count: () => {} },
        faxPages: pages,
      },
      authenticate: devTokenAuthenticate(env),
    });
    const token = await mintDevToken('alice', env, { role: 'agent', skills: [] });
    const get = (path: string, auth = true) =>
      app.request(path, auth ? { headers: { authorization: `Bearer ${token}` } } : {});
    const caseId = 'caseId' in created ? created.caseId : '';
    const emailId = 'caseId' in emailCase ? emailCase.caseId : '';

    const page = await get(`/cases/${caseId}/messages/0/fax-pages/1`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('image/png');
    expect(page.headers.get('cache-control')).toBe('no-store');
    expect(Buffer.from(await page.arrayBuffer())).toEqual(png);
    const refusals = await Promise.all([
      get(`/cases/${caseId}/messages/0/fax-pages/2`),
      get(`/cases/${caseId}/messages/1/fax-pages/1`),
      get(`/cases/${emailId}/messages/0/fax-pages/1`),
      get(`/cases/CR-NOPE/messages/0/fax-pages/1`),
      get(`/cases/${caseId}/messages/0/fax-pages/0`),
      get(`/cases/${caseId}/messages/0/fax-pages/1`, false),
      ...['0x1', '1e0', '+1', '1.0', '%201', '101'].map((number) =>
        get(`/cases/${caseId}/messages/0/fax-pages/${number}`),
      ),
      get(`/cases/${caseId}/messages/0x0/fax-pages/1`),
    ]);
    expect(refusals.map((response) => response.status)).toEqual([
      404, 404, 404, 404, 400, 401, 400, 400, 400, 400, 400, 400, 400,
    ]);
    const problem = (await refusals[0]?.json()) as { type?: string } | undefined;
    expect(problem?.type).toContain('page-not-found');
  });
});
