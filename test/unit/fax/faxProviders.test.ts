import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PhaxioFaxProvider, phaxioSignature } from '../../../lambdas/adapters/fax/PhaxioFaxProvider.js';
import { SinchFaxProvider } from '../../../lambdas/adapters/fax/SinchFaxProvider.js';
import { TelnyxFaxProvider } from '../../../lambdas/adapters/fax/TelnyxFaxProvider.js';
import type { WebhookRequest } from '../../../lambdas/domain/webhookRequest.js';
import { telnyxFaxReceived, telnyxKeys } from '../../helpers/channelFakes.js';
import { corporaDir, corporaSkipReason, hasCorpora } from '../../helpers/fixtures.js';

const NOW = new Date('2026-03-02T15:14:30Z');
const nowSeconds = Math.floor(NOW.getTime() / 1000);

function request(
  body: string | Uint8Array,
  headers: Record<string, string>,
  url = 'https://desk.example/inbound/fax/x',
): WebhookRequest {
  return { method: 'POST', url, headers, body: typeof body === 'string' ? Buffer.from(body) : body };
}

/** A multipart body exactly as undici would send it, with its content type. */
async function multipart(fields: Record<string, string>, files: Record<string, Uint8Array> = {}) {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  for (const [name, bytes] of Object.entries(files))
    form.append(name, new Blob([bytes], { type: 'application/pdf' }), `${name}.pdf`);
  const response = new Response(form);
  return {
    body: new Uint8Array(await response.arrayBuffer()),
    contentType: response.headers.get('content-type') ?? '',
  };
}

describe('Telnyx webhooks', () => {
  const keys = telnyxKeys();
  const provider = new TelnyxFaxProvider(keys.publicKeyBase64);
  const body = telnyxFaxReceived({
    faxId: 'fax-1',
    occurredAt: '2026-03-02T15:14:02.000Z',
    mediaUrl: 'https://s3.amazonaws.com/faxes-prod/u/fax-1.pdf?X-Amz-Expires=600',
  });

  it('accepts an Ed25519 signature over timestamp|body within 300 s', async () => {
    expect(await provider.authenticate(request(body, keys.sign(body, nowSeconds - 299)), NOW)).toEqual({
      ok: true,
    });
  });

  it.each([
    ['a stale timestamp', () => keys.sign(body, nowSeconds - 301), /301 s away/],
    ['a timestamp from the future', () => keys.sign(body, nowSeconds + 400), /400 s away/],
    ['a missing signature', () => ({ 'telnyx-timestamp': String(nowSeconds) }), /missing/],
    [
      'a missing timestamp',
      () => ({ 'telnyx-signature-ed25519': keys.sign(body, nowSeconds)['telnyx-signature-ed25519'] ?? '' }),
      /missing/,
    ],
    ['a signature of another body', () => keys.sign(`${body} `, nowSeconds), /does not match/],
    [
      'a signature of another timestamp',
      () => ({ ...keys.sign(body, nowSeconds), 'telnyx-timestamp': String(nowSeconds - 1) }),
      /does not match/,
    ],
    [
      'a signature that is not 64 bytes',
      () => ({ ...keys.sign(body, nowSeconds), 'telnyx-signature-ed25519': 'c2hvcnQ=' }),
      /64 bytes/,
    ],
    [
      'a valid signature with text after it',
      () => {
        const signed = keys.sign(body, nowSeconds);
        return { ...signed, 'telnyx-signature-ed25519': `${signed['telnyx-signature-ed25519']}!!` };
      },
      /64 bytes/,
    ],
    [
      'a valid signature in base64url',
      () => {
        const signed = keys.sign(body, nowSeconds);
        const base64url = Buffer.from(signed['telnyx-signature-ed25519'] ?? '', 'base64').toString(
          'base64url',
        );
        return { ...signed, 'telnyx-signature-ed25519': base64url };
      },
      /64 bytes/,
    ],
    [
      'a timestamp that is not a number',
      () => ({ ...keys.sign(body, nowSeconds), 'telnyx-timestamp': '2026-03-02' }),
      /Unix seconds/,
    ],
  ])('rejects %s', async (_, headers, reason) => {
    const result = await provider.authenticate(request(body, headers()), NOW);
    expect(result.ok).toBe(false);
    expect(result.ok ? '' : result.reason).toMatch(reason);
  });

  it('rejects a signature made with another key', async () => {
    const other = telnyxKeys();
    expect((await provider.authenticate(request(body, other.sign(body, nowSeconds)), NOW)).ok).toBe(false);
  });

  it('reads fax.received into the fax record, receipt time from occurred_at', async () => {
    const reading = await provider.read(request(body, {}));
    expect(reading).toEqual({
      kind: 'fax',
      fax: {
        provider: 'telnyx',
        faxId: 'fax-1',
        eventId: 'evt-fax-1',
        receivedAt: '2026-03-02T15:14:02.000Z',
        from: '+12175550191',
        to: '+18005550199',
        pageCount: 2,
        partialContent: false,
      },
      media: { kind: 'url', url: 'https://s3.amazonaws.com/faxes-prod/u/fax-1.pdf?X-Amz-Expires=600' },
    });
  });

  it('ignores the other fax events and answers what is not a Telnyx event as invalid', async () => {
    const started = JSON.stringify({
      data: {
        event_type: 'fax.receiving.started',
        id: 'e2',
        occurred_at: '2026-03-02T15:13:00Z',
        payload: {},
      },
    });
    expect((await provider.read(request(started, {}))).kind).toBe('ignored');
    expect((await provider.read(request('{"data":{}}', {}))).kind).toBe('invalid');
    expect((await provider.read(request('not json', {}))).kind).toBe('invalid');
  });

  it('refuses a public key that is not 32 bytes', () => {
    expect(() => new TelnyxFaxProvider(Buffer.alloc(31).toString('base64'))).toThrow(/32 bytes/);
  });
});

describe.skipIf(!hasCorpora)(`Phaxio webhooks ${hasCorpora ? '' : corporaSkipReason}`, () => {
  const vector = hasCorpora
    ? (JSON.parse(
        readFileSync(path.join(corporaDir, 'fax/phaxio/webhook-signature-vector.json'), 'utf8'),
      ) as {
        webhook_token: string;
        url: string;
        params: Record<string, string>;
        expected_signature: string;
      })
    : undefined;

  it('computes the published X-Phaxio-Signature test vector', () => {
    if (!vector) return;
    expect(
      phaxioSignature(vector.webhook_token, vector.url, new Map(Object.entries(vector.params)), new Map()),
    ).toBe(vector.expected_signature);
  });

  it.each([
    ['a changed parameter', { url: 'example.com', params: { test: 'false' } }],
    ['a changed URL', { url: 'example.com/', params: { test: 'true' } }],
    ['an added parameter', { url: 'example.com', params: { test: 'true', is_test: 'true' } }],
  ])('gives another signature for %s', (_, changed) => {
    if (!vector) return;
    expect(
      phaxioSignature(vector.webhook_token, changed.url, new Map(Object.entries(changed.params)), new Map()),
    ).not.toBe(vector.expected_signature);
  });

  it('authenticates a signed receive callback with its file and reads the corpus fax object', async () => {
    const corpusObject = readFileSync(
      path.join(corporaDir, 'fax/phaxio/fax-object-callback-field.json'),
      'utf8',
    );
    // One line without the file's BOM: multipart encoding turns line breaks into CRLF and decoding drops a BOM.
    // The corpus object was made with test credentials; a live fax has is_test false.
    const faxObject = `${JSON.stringify({ ...JSON.parse(corpusObject.replace(/^\uFEFF/, '')), direction: 'received', is_test: false })}`;
    const pdf = Buffer.from('%PDF-1.4\n%fax\n');
    const fields = { direction: 'received', is_test: 'false', success: 'true', fax: faxObject };
    const signature = phaxioSignature(
      'token-1',
      'https://desk.example/inbound/fax/phaxio',
      new Map(Object.entries(fields)),
      new Map([['file', pdf]]),
    );
    const { body, contentType } = await multipart(fields, { file: pdf });
    const provider = new PhaxioFaxProvider('token-1', 'https://desk.example/inbound/fax/phaxio');
    const signed = request(body, { 'content-type': contentType, 'x-phaxio-signature': signature });

    expect(await provider.authenticate(signed)).toEqual({ ok: true });
    const reading = await provider.read(signed);
    expect(reading.kind === 'fax' && reading.fax).toMatchObject({
      provider: 'phaxio',
      faxId: '123456',
      from: '8088675309',
      receivedAt: '2015-09-02T16:28:54.000Z',
      pageCount: 3,
    });
    expect(
      reading.kind === 'fax' &&
        reading.media.kind === 'inline' &&
        Buffer.from(reading.media.bytes).equals(pdf),
    ).toBe(true);
  });

  it('ignores a test fax (is_test), which would start a regulatory clock for nobody', async () => {
    const corpusObject = readFileSync(
      path.join(corporaDir, 'fax/phaxio/fax-object-callback-field.json'),
      'utf8',
    );
    const faxObject = `${JSON.stringify({ ...JSON.parse(corpusObject.replace(/^\uFEFF/, '')), direction: 'received' })}`;
    const fields = { direction: 'received', is_test: 'true', success: 'true', fax: faxObject };
    const { body, contentType } = await multipart(fields, { file: Buffer.from('%PDF-1.4\n%fax\n') });
    const provider = new PhaxioFaxProvider('token-1', 'https://desk.example/inbound/fax/phaxio');

    const reading = await provider.read(request(body, { 'content-type': contentType }));

    expect(reading).toEqual({ kind: 'ignored', reason: 'a Phaxio test fax (is_test) makes no case' });
  });

  it('rejects a callback whose file was swapped, or that has no signature', async () => {
    const fields = { direction: 'received', fax: '{"id":1}' };
    const signature = phaxioSignature(
      'token-1',
      'https://desk.example/p',
      new Map(Object.entries(fields)),
      new Map([['file', Buffer.from('%PDF-a')]]),
    );
    const { body, contentType } = await multipart(fields, { file: Buffer.from('%PDF-b') });
    const provider = new PhaxioFaxProvider('token-1', 'https://desk.example/p');

    expect(
      (
        await provider.authenticate(
          request(body, { 'content-type': contentType, 'x-phaxio-signature': signature }),
        )
      ).ok,
    ).toBe(false);
    expect((await provider.authenticate(request(body, { 'content-type': contentType }))).ok).toBe(false);
  });

  it('rejects a valid signature followed by text that is not hex', async () => {
    const fields = { direction: 'received', fax: '{"id":1}' };
    const file = Buffer.from('%PDF-a');
    const signature = phaxioSignature(
      'token-1',
      'https://desk.example/p',
      new Map(Object.entries(fields)),
      new Map([['file', file]]),
    );
    const { body, contentType } = await multipart(fields, { file });
    const provider = new PhaxioFaxProvider('token-1', 'https://desk.example/p');
    const headers = (value: string) => ({ 'content-type': contentType, 'x-phaxio-signature': value });

    expect(await provider.authenticate(request(body, headers(signature)))).toEqual({ ok: true });
    expect(await provider.authenticate(request(body, headers(`${signature}zz`)))).toEqual({
      ok: false,
      reason: 'X-Phaxio-Signature is not 40 hex digits',
    });
  });

  it('ignores a sent fax (the corpus object is an outbound one)', async () => {
    const faxObject = readFileSync(
      path.join(corporaDir, 'fax/phaxio/fax-object-callback-field.json'),
      'utf8',
    );
    const { body, contentType } = await multipart({ fax: faxObject }, { file: Buffer.from('%PDF-1.4') });
    const provider = new PhaxioFaxProvider('t', 'https://desk.example/p');
    expect((await provider.read(request(body, { 'content-type': contentType }))).kind).toBe('ignored');
  });
});

describe.skipIf(!hasCorpora)(`Sinch webhooks ${hasCorpora ? '' : corporaSkipReason}`, () => {
  const provider = new SinchFaxProvider('router:s3cret-pass');
  const basic = (credentials: string) => ({
    authorization: `Basic ${Buffer.from(credentials).toString('base64')}`,
  });

  it('accepts the callback URL credentials and refuses others', async () => {
    expect(await provider.authenticate(request('{}', basic('router:s3cret-pass')))).toEqual({ ok: true });
    expect((await provider.authenticate(request('{}', basic('router:s3cret-pas')))).ok).toBe(false);
    expect((await provider.authenticate(request('{}', {}))).ok).toBe(false);
    expect((await provider.authenticate(request('{}', { authorization: 'Bearer x' }))).ok).toBe(false);
    const { authorization } = basic('router:s3cret-pass');
    expect((await provider.authenticate(request('{}', { authorization: `${authorization}=` }))).ok).toBe(
      false,
    );
  });

  it.each(['incoming-fax-event.application-json.json', 'fax-completed-event.application-json.json'])(
    'reads the corpus %s with its inline file',
    async (file) => {
      const body = readFileSync(path.join(corporaDir, 'fax/sinch', file));
      const reading = await provider.read(request(body, { 'content-type': 'application/json' }));
      expect(reading.kind === 'fax' && reading.fax).toEqual({
        provider: 'sinch',
        faxId: '01HDFHACK1YN7CCDYRA6ZRMA8Z',
        receivedAt: '2021-11-01T23:25:39.000Z',
        from: '+14155552222',
        to: '+14155553333',
        pageCount: 1,
        partialContent: false,
      });
      expect(
        reading.kind === 'fax' &&
          reading.media.kind === 'inline' &&
          Buffer.from(reading.media.bytes).toString(),
      ).toBe('fasdfdasdaf');
    },
  );

  it('answers an event without a file as invalid and an outbound one as ignored', async () => {
    const event = {
      event: 'INCOMING_FAX',
      fax: { id: 'f', direction: 'INBOUND', createTime: '2021-11-01T23:25:39Z' },
    };
    expect((await provider.read(request(JSON.stringify(event), {}))).kind).toBe('invalid');
    const outbound = { ...event, fax: { ...event.fax, direction: 'OUTBOUND' }, file: 'JVBERg==' };
    expect((await provider.read(request(JSON.stringify(outbound), {}))).kind).toBe('ignored');
  });
});
