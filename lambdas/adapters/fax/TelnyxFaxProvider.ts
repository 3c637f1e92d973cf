import { createPublicKey, type KeyObject, verify } from 'node:crypto';
import type { Authentication, FaxProvider, FaxWebhookReading } from '../../domain/fax/faxProvider.js';
import type { WebhookRequest } from '../../domain/webhookRequest.js';
import * as z from '../../domain/zodMini.js';
import { parseJson } from './webhookBodies.js';

/** Telnyx's SDKs reject webhooks whose timestamp is more than 300 s away (Ruby DEFAULT_TOLERANCE = 300). */
export const TELNYX_TOLERANCE_SECONDS = 300;
// DER prefix of an Ed25519 SubjectPublicKeyInfo (RFC 8410): Telnyx publishes the raw 32-byte key.
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/** Turns the account's base64 public key (Mission Control → Keys & Credentials) into a Node key. */
export function telnyxPublicKey(base64: string): KeyObject {
  const raw = Buffer.from(base64.trim(), 'base64');
  if (raw.length !== 32)
    throw new Error(`a Telnyx public key is 32 bytes of base64; this one is ${raw.length} bytes`);
  return createPublicKey({ key: Buffer.concat([ED25519_SPKI_PREFIX, raw]), format: 'der', type: 'spki' });
}

const ReceivedPayloadSchema = z.object({
  fax_id: z.string().check(z.minLength(1), z.maxLength(200)),
  direction: z.string(),
  from: z.optional(z.string().check(z.maxLength(64))),
  to: z.optional(z.string().check(z.maxLength(64))),
  page_count: z.optional(z.int().check(z.nonnegative())),
  partial_content: z.optional(z.boolean()),
  status: z.optional(z.string()),
  media_url: z.optional(z.url()),
});

const EnvelopeSchema = z.object({
  data: z.object({
    event_type: z.string().check(z.minLength(1), z.maxLength(100)),
    id: z.string().check(z.minLength(1), z.maxLength(200)),
    occurred_at: z.iso.datetime({ offset: true }),
    payload: z.unknown(),
  }),
});

/**
 * Telnyx Programmable Fax: JSON events signed with Ed25519 over `timestamp|raw body`
 * (headers `telnyx-signature-ed25519`, `telnyx-timestamp`). Only `fax.received` makes a case; its
 * media URL expires within minutes, so the caller downloads it at once.
 */
export class TelnyxFaxProvider implements FaxProvider {
  readonly name = 'telnyx' as const;
  readonly #publicKey: KeyObject;

  constructor(publicKeyBase64: string) {
    this.#publicKey = telnyxPublicKey(publicKeyBase64);
  }

  async authenticate(request: WebhookRequest, now: Date): Promise<Authentication> {
    const signature = request.headers['telnyx-signature-ed25519'];
    const timestamp = request.headers['telnyx-timestamp'];
    if (!signature || !timestamp)
      return { ok: false, reason: 'missing telnyx-signature-ed25519 or telnyx-timestamp' };
    if (!/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: 'telnyx-timestamp is not Unix seconds' };
    const skew = Math.abs(now.getTime() / 1000 - Number(timestamp));
    if (skew > TELNYX_TOLERANCE_SECONDS) {
      return {
        ok: false,
        reason: `the timestamp is ${Math.round(skew)} s away (tolerance ${TELNYX_TOLERANCE_SECONDS} s)`,
      };
    }
    // Node's base64 decoder skips what it does not know and takes base64url too; only the canonical
    // encoding of exactly 64 bytes is a signature (no trailing text, no other alphabet).
    const signatureBytes = Buffer.from(signature, 'base64');
    if (signatureBytes.length !== 64 || signatureBytes.toString('base64') !== signature)
      return { ok: false, reason: 'the signature is not 64 bytes of base64' };
    const signed = Buffer.concat([Buffer.from(`${timestamp}|`, 'utf8'), request.body]);
    return verify(null, signed, this.#publicKey, signatureBytes)
      ? { ok: true }
      : { ok: false, reason: 'the Ed25519 signature does not match' };
  }

  async read(request: WebhookRequest): Promise<FaxWebhookReading> {
    let json: unknown;
    try {
      json = parseJson(request.body);
    } catch {
      return { kind: 'invalid', reason: 'the body is not JSON' };
    }
    const envelope = EnvelopeSchema.safeParse(json);
    if (!envelope.success)
      return { kind: 'invalid', reason: `not a Telnyx event: ${summarize(envelope.error)}` };
    const { event_type: eventType, id: eventId, occurred_at: occurredAt, payload } = envelope.data.data;
    if (eventType !== 'fax.received') return { kind: 'ignored', reason: `event ${eventType} makes no case` };
    const fax = ReceivedPayloadSchema.safeParse(payload);
    if (!fax.success) return { kind: 'invalid', reason: `fax.received payload: ${summarize(fax.error)}` };
    if (fax.data.direction !== 'inbound')
      return { kind: 'ignored', reason: `a ${fax.data.direction} fax makes no case` };
    if (!fax.data.media_url) return { kind: 'invalid', reason: 'fax.received without media_url' };
    return {
      kind: 'fax',
      fax: {
        provider: 'telnyx',
        faxId: fax.data.fax_id,
        eventId,
        receivedAt: new Date(occurredAt).toISOString(),
        ...(fax.data.from ? { from: fax.data.from } : {}),
        ...(fax.data.to ? { to: fax.data.to } : {}),
        ...(fax.data.page_count !== undefined ? { pageCount: fax.data.page_count } : {}),
        partialContent: fax.data.partial_content ?? false,
      },
      media: { kind: 'url', url: fax.data.media_url },
    };
  }
}

export function summarize(error: z.core.$ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.join('.') || '(body)'}: ${issue.message}`)
    .join('; ');
}
