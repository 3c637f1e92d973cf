import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { Authentication, FaxProvider, FaxWebhookReading } from '../../domain/fax/faxProvider.js';
import type { WebhookRequest } from '../../domain/webhookRequest.js';
import * as z from '../../domain/zodMini.js';
import { summarize } from './TelnyxFaxProvider.js';
import { type FormBody, parseForm, parseJson } from './webhookBodies.js';

/**
 * `X-Phaxio-Signature`: hex HMAC-SHA1, keyed with the account's callback token, over the callback
 * URL exactly as configured, then every POST parameter sorted by name as `name + value`, then every
 * file part sorted by name as `name + sha1_hex(bytes)` (phaxio.com/docs/security/callbacks).
 */
export function phaxioSignature(
  token: string,
  url: string,
  params: ReadonlyMap<string, string>,
  files: ReadonlyMap<string, Uint8Array>,
): string {
  const hmac = createHmac('sha1', token).update(url);
  for (const name of [...params.keys()].sort()) hmac.update(name + (params.get(name) ?? ''));
  for (const name of [...files.keys()].sort()) {
    hmac.update(
      name +
        createHash('sha1')
          .update(files.get(name) ?? new Uint8Array())
          .digest('hex'),
    );
  }
  return hmac.digest('hex');
}

const FaxObjectSchema = z.object({
  id: z.union([z.int(), z.string().check(z.minLength(1), z.maxLength(200))]),
  direction: z.optional(z.string()),
  num_pages: z.optional(z.int().check(z.nonnegative())),
  is_test: z.optional(z.boolean()),
  from_number: z.optional(z.string().check(z.maxLength(64))),
  to_number: z.optional(z.string().check(z.maxLength(64))),
  caller_id: z.optional(z.string().check(z.maxLength(64))),
  completed_at: z.optional(z.iso.datetime({ offset: true })),
  created_at: z.optional(z.iso.datetime({ offset: true })),
  requested_at: z.optional(z.iso.datetime({ offset: true })),
});

/** Phaxio v2.1 receive callback: multipart form, the fax object as JSON in `fax`, the PDF in `file`. */
export class PhaxioFaxProvider implements FaxProvider {
  readonly name = 'phaxio' as const;
  readonly #token: string;
  readonly #callbackUrl: string;
  readonly #forms = new WeakMap<WebhookRequest, Promise<FormBody | undefined>>();

  /** `callbackUrl`: the URL configured at Phaxio, exactly (trailing slash included): it is part of what is signed. */
  constructor(token: string, callbackUrl: string) {
    this.#token = token;
    this.#callbackUrl = callbackUrl;
  }

  #form(request: WebhookRequest): Promise<FormBody | undefined> {
    let form = this.#forms.get(request);
    if (!form) {
      form = parseForm(request);
      this.#forms.set(request, form);
    }
    return form;
  }

  async authenticate(request: WebhookRequest): Promise<Authentication> {
    const signature = request.headers['x-phaxio-signature'];
    if (!signature) return { ok: false, reason: 'missing X-Phaxio-Signature' };
    const form = await this.#form(request);
    if (!form) return { ok: false, reason: 'the body is not a form, so its signature cannot be checked' };
    const files = new Map([...form.files].map(([name, file]) => [name, file.bytes]));
    const expected = Buffer.from(phaxioSignature(this.#token, this.#callbackUrl, form.fields, files), 'hex');
    // Node's hex decoder stops at the first non-hex character: check the whole header first.
    const hex = signature.trim().toLowerCase();
    if (!/^[0-9a-f]{40}$/.test(hex)) return { ok: false, reason: 'X-Phaxio-Signature is not 40 hex digits' };
    const given = Buffer.from(hex, 'hex');
    return given.length === expected.length && timingSafeEqual(given, expected)
      ? { ok: true }
      : { ok: false, reason: 'X-Phaxio-Signature does not match' };
  }

  async read(request: WebhookRequest): Promise<FaxWebhookReading> {
    const form = await this.#form(request);
    if (!form) return { kind: 'invalid', reason: 'expected a multipart/form-data body' };
    const direction = form.fields.get('direction');
    if (direction && direction !== 'received')
      return { kind: 'ignored', reason: `a ${direction} fax makes no case` };
    const faxJson = form.fields.get('fax');
    if (!faxJson) return { kind: 'invalid', reason: 'the form has no fax field' };
    let json: unknown;
    try {
      json = parseJson(faxJson);
    } catch {
      return { kind: 'invalid', reason: 'the fax field is not JSON' };
    }
    const fax = FaxObjectSchema.safeParse(json);
    if (!fax.success) return { kind: 'invalid', reason: `fax object: ${summarize(fax.error)}` };
    if (fax.data.direction && fax.data.direction !== 'received') {
      return { kind: 'ignored', reason: `a ${fax.data.direction} fax makes no case` };
    }
    // A fax made with the account's test credentials (Phaxio's simulated receive) is no member's:
    // as a case it would start a Part D clock for nobody. It is answered 200 and logged as ignored.
    if (fax.data.is_test === true || form.fields.get('is_test') === 'true') {
      return { kind: 'ignored', reason: 'a Phaxio test fax (is_test) makes no case' };
    }
    const file = form.files.get('file') ?? form.files.get('filename');
    if (!file || file.bytes.length === 0) return { kind: 'invalid', reason: 'the form has no file part' };
    const receivedAt = fax.data.completed_at ?? fax.data.created_at ?? fax.data.requested_at;
    if (!receivedAt) return { kind: 'invalid', reason: 'the fax object has no completed_at or created_at' };
    const from = fax.data.from_number ?? fax.data.caller_id;
    return {
      kind: 'fax',
      fax: {
        provider: 'phaxio',
        faxId: String(fax.data.id),
        receivedAt: new Date(receivedAt).toISOString(),
        ...(from ? { from } : {}),
        ...(fax.data.to_number ? { to: fax.data.to_number } : {}),
        ...(fax.data.num_pages !== undefined ? { pageCount: fax.data.num_pages } : {}),
        partialContent: form.fields.get('success') === 'false',
      },
      media: { kind: 'inline', bytes: file.bytes },
    };
  }
}
