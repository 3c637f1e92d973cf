import { createHmac, timingSafeEqual } from 'node:crypto';
import { WIDGET_TOLERANCE_SECONDS } from '../../domain/chat/widgetEvents.js';
import type { Authentication } from '../../domain/fax/faxProvider.js';
import type { ChatWidgetAuthenticator } from '../../domain/ingest/acceptChat.js';
import type { WebhookRequest } from '../../domain/webhookRequest.js';

/** `v1=` + hex HMAC-SHA256(secret, `${timestamp}.${raw body}`): what the widget backend sends in `x-chat-signature`. */
export function widgetSignature(secret: string, timestamp: string, body: Uint8Array | string): string {
  return `v1=${createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex')}`;
}

/**
 * The chat widget's signature: `x-chat-timestamp` (Unix seconds, within 300 s of the server's clock,
 * so a captured request cannot be replayed later) and `x-chat-signature` (one or more
 * comma-separated `v1=<hex>`; any of the configured secrets may match, so a secret can be rotated
 * without downtime).
 */
export class HmacWidgetAuthenticator implements ChatWidgetAuthenticator {
  readonly #secrets: readonly string[];

  constructor(secrets: readonly string[]) {
    if (secrets.length === 0 || secrets.some((secret) => secret.length < 32)) {
      throw new Error('chat widget secrets must be at least 32 characters each, and there must be one');
    }
    this.#secrets = secrets;
  }

  authenticate(request: WebhookRequest, now: Date): Authentication {
    const timestamp = request.headers['x-chat-timestamp'];
    const header = request.headers['x-chat-signature'];
    if (!timestamp || !header) return { ok: false, reason: 'missing x-chat-timestamp or x-chat-signature' };
    if (!/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: 'x-chat-timestamp is not Unix seconds' };
    const skew = Math.abs(now.getTime() / 1000 - Number(timestamp));
    if (skew > WIDGET_TOLERANCE_SECONDS) {
      return {
        ok: false,
        reason: `the timestamp is ${Math.round(skew)} s away (tolerance ${WIDGET_TOLERANCE_SECONDS} s)`,
      };
    }
    const given = header
      .split(',')
      .map((part) => part.trim())
      .filter((part) => /^v1=[0-9a-f]{64}$/i.test(part))
      .map((part) => Buffer.from(part.slice(3).toLowerCase(), 'hex'));
    if (given.length === 0) return { ok: false, reason: 'x-chat-signature has no v1= signature' };
    for (const secret of this.#secrets) {
      const expected = Buffer.from(widgetSignature(secret, timestamp, request.body).slice(3), 'hex');
      if (given.some((signature) => timingSafeEqual(signature, expected))) return { ok: true };
    }
    return { ok: false, reason: 'the signature does not match' };
  }
}
