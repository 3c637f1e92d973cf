import { createHash, timingSafeEqual } from 'node:crypto';
import type { Authentication, FaxProvider, FaxWebhookReading } from '../../domain/fax/faxProvider.js';
import type { WebhookRequest } from '../../domain/webhookRequest.js';
import * as z from '../../domain/zodMini.js';
import { summarize } from './TelnyxFaxProvider.js';
import { isRecord, parseForm, parseJson } from './webhookBodies.js';

const FaxSchema = z.object({
  id: z.string().check(z.minLength(1), z.maxLength(200)),
  direction: z.string(),
  from: z.optional(z.string().check(z.maxLength(64))),
  to: z.optional(z.string().check(z.maxLength(64))),
  numberOfPages: z.optional(z.int().check(z.nonnegative())),
  status: z.optional(z.string()),
  createTime: z.optional(z.iso.datetime({ offset: true })),
  completedTime: z.optional(z.iso.datetime({ offset: true })),
});

const EventSchema = z.object({
  event: z.string().check(z.minLength(1), z.maxLength(60)),
  eventTime: z.optional(z.iso.datetime({ offset: true })),
  fax: FaxSchema,
  file: z.optional(z.string()),
  fileType: z.optional(z.string()),
  files: z.optional(z.array(z.object({ file: z.string(), fileType: z.optional(z.string()) }))),
});

const BASE64 = /^[A-Za-z0-9+/\r\n]*={0,2}\s*$/;

function sha256(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/**
 * Sinch Fax API v3: Sinch signs nothing, so the callback URL carries basic-auth credentials
 * (`https://user:pass@…`) and every request must present them. JSON (`application/json`, the PDF
 * base64 in `file` or `files[]`) and multipart (event fields plus a `file` part) are both read.
 */
export class SinchFaxProvider implements FaxProvider {
  readonly name = 'sinch' as const;
  readonly #expected: Buffer;

  /** `credentials`: `user:password` as embedded in the configured callback URL. */
  constructor(credentials: string) {
    if (!/^[^:]+:.+$/.test(credentials)) throw new Error('Sinch credentials must be "user:password"');
    this.#expected = sha256(credentials);
  }

  async authenticate(request: WebhookRequest): Promise<Authentication> {
    const header = request.headers.authorization;
    const match = header ? /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header) : null;
    if (!match?.[1]) return { ok: false, reason: 'missing basic-auth credentials' };
    const decoded = Buffer.from(match[1], 'base64');
    if (decoded.toString('base64') !== match[1])
      return { ok: false, reason: 'the basic-auth credentials are not canonical base64' };
    const given = sha256(decoded.toString('utf8'));
    // Hashes of equal length, compared in constant time: the comparison leaks neither length nor prefix.
    return timingSafeEqual(given, this.#expected)
      ? { ok: true }
      : { ok: false, reason: 'wrong basic-auth credentials' };
  }

  async read(request: WebhookRequest): Promise<FaxWebhookReading> {
    let json: unknown;
    let inlineFile: Uint8Array | undefined;
    const form = await parseForm(request);
    if (form) {
      const faxField = form.fields.get('fax');
      let fax: unknown;
      try {
        fax = faxField ? parseJson(faxField) : undefined;
      } catch {
        return { kind: 'invalid', reason: 'the fax field is not JSON' };
      }
      json = { event: form.fields.get('event'), eventTime: form.fields.get('eventTime'), fax };
      inlineFile = form.files.get('file')?.bytes;
    } else {
      try {
        json = parseJson(request.body);
      } catch {
        return { kind: 'invalid', reason: 'the body is neither JSON nor a form' };
      }
    }
    if (!isRecord(json)) return { kind: 'invalid', reason: 'the body is not a JSON object' };
    const event = EventSchema.safeParse(json);
    if (!event.success)
      return { kind: 'invalid', reason: `not a Sinch fax event: ${summarize(event.error)}` };
    const { fax } = event.data;
    if (event.data.event !== 'INCOMING_FAX' && event.data.event !== 'FAX_COMPLETED') {
      return { kind: 'ignored', reason: `event ${event.data.event} makes no case` };
    }
    if (fax.direction !== 'INBOUND')
      return { kind: 'ignored', reason: `a ${fax.direction} fax makes no case` };
    const base64 = event.data.file ?? event.data.files?.[0]?.file;
    if (!inlineFile && base64 !== undefined) {
      if (!BASE64.test(base64)) return { kind: 'invalid', reason: 'file is not base64' };
      inlineFile = Buffer.from(base64, 'base64');
    }
    if (!inlineFile || inlineFile.length === 0)
      return { kind: 'invalid', reason: 'the event carries no file' };
    const receivedAt = fax.completedTime ?? fax.createTime ?? event.data.eventTime;
    if (!receivedAt)
      return { kind: 'invalid', reason: 'the event has no completedTime, createTime or eventTime' };
    return {
      kind: 'fax',
      fax: {
        provider: 'sinch',
        faxId: fax.id,
        receivedAt: new Date(receivedAt).toISOString(),
        ...(fax.from ? { from: fax.from } : {}),
        ...(fax.to ? { to: fax.to } : {}),
        ...(fax.numberOfPages !== undefined ? { pageCount: fax.numberOfPages } : {}),
        partialContent: fax.status !== undefined && fax.status !== 'COMPLETED',
      },
      media: { kind: 'inline', bytes: inlineFile },
    };
  }
}
