import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { widgetSignature } from '../../lambdas/adapters/chat/HmacWidgetAuthenticator.js';
import type { InboundMessage } from '../../lambdas/domain/inboundMessage.js';
import type { FaxJob, FaxJobQueue } from '../../lambdas/domain/ingest/acceptFax.js';
import type { RateLimiter } from '../../lambdas/domain/ingest/acceptForm.js';
import type { Clock, ConditionalBlobStore, InboundQueue } from '../../lambdas/domain/ports.js';

/** Unit-test stand-ins for the storage ports (integration tests use the emulators). */
export class MemoryBlobStore implements ConditionalBlobStore {
  readonly objects = new Map<string, { body: Uint8Array; metadata?: Record<string, string> }>();

  async put(key: string, body: Uint8Array | string, metadata?: Record<string, string>): Promise<void> {
    this.objects.set(key, {
      body: typeof body === 'string' ? Buffer.from(body) : body,
      ...(metadata ? { metadata } : {}),
    });
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    return this.objects.get(key)?.body;
  }

  async create(key: string, body: Uint8Array | string, metadata?: Record<string, string>): Promise<boolean> {
    if (this.objects.has(key)) return false;
    await this.put(key, body, metadata);
    return true;
  }

  async move(fromKey: string, toKey: string, metadata?: Record<string, string>): Promise<void> {
    const object = this.objects.get(fromKey);
    if (!object) throw new Error(`no object ${fromKey}`);
    this.objects.delete(fromKey);
    this.objects.set(toKey, { body: object.body, ...(metadata ? { metadata } : {}) });
  }
}

export class MemoryInboundQueue implements InboundQueue {
  readonly messages: InboundMessage[] = [];
  async enqueue(message: InboundMessage): Promise<void> {
    this.messages.push(structuredClone(message));
  }
}

export class MemoryFaxJobQueue implements FaxJobQueue {
  readonly jobs: FaxJob[] = [];
  async enqueue(job: FaxJob): Promise<void> {
    this.jobs.push(structuredClone(job));
  }
}

/** Counts per key like the DynamoDB limiter, without windows expiring (tests move the clock instead). */
export class MemoryRateLimiter implements RateLimiter {
  readonly hits = new Map<string, number>();
  async hit(key: string, limit: number, windowSeconds: number, now: Date) {
    const window = Math.floor(now.getTime() / 1000 / windowSeconds);
    const slot = `${key}#${window}`;
    const count = this.hits.get(slot) ?? 0;
    if (count >= limit) return { allowed: false, retryAfterSeconds: windowSeconds };
    this.hits.set(slot, count + 1);
    return { allowed: true, retryAfterSeconds: 0 };
  }
}

export function fixedClock(iso: string): Clock & { set(iso: string): void } {
  let now = new Date(iso);
  return {
    now: () => new Date(now),
    set: (next: string) => {
      now = new Date(next);
    },
  };
}

export const sha256Hex = (text: string) => createHash('sha256').update(text).digest('hex');

/** A Telnyx-like signing key pair: the public half as Telnyx shows it (base64 of the raw 32 bytes). */
export function telnyxKeys() {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const der = publicKey.export({ format: 'der', type: 'spki' });
  const publicKeyBase64 = Buffer.from(der.subarray(der.length - 32)).toString('base64');
  return {
    publicKeyBase64,
    /** The headers Telnyx sends with `body` at `timestamp` (Unix seconds). */
    sign(body: string | Uint8Array, timestamp: number): Record<string, string> {
      const signed = Buffer.concat([Buffer.from(`${timestamp}|`), Buffer.from(body)]);
      return {
        'telnyx-signature-ed25519': sign(null, signed, privateKey).toString('base64'),
        'telnyx-timestamp': String(timestamp),
      };
    },
  };
}

/** A Telnyx `fax.received` event as its webhook carries it (fields from the receive guide). */
export function telnyxFaxReceived(options: {
  eventId?: string;
  faxId: string;
  occurredAt: string;
  mediaUrl: string;
  pageCount?: number;
  partial?: boolean;
  from?: string;
}): string {
  return JSON.stringify({
    data: {
      event_type: 'fax.received',
      id: options.eventId ?? `evt-${options.faxId}`,
      occurred_at: options.occurredAt,
      record_type: 'event',
      payload: {
        fax_id: options.faxId,
        connection_id: '1684641123236054244',
        direction: 'inbound',
        from: options.from ?? '+12175550191',
        to: '+18005550199',
        caller_id: options.from ?? '+12175550191',
        page_count: options.pageCount ?? 2,
        partial_content: options.partial ?? false,
        call_duration_secs: 61,
        status: 'received',
        user_id: 'a3f0c1d2-0000-4000-8000-000000000000',
        media_url: options.mediaUrl,
      },
    },
    meta: { attempt: 1, delivered_to: 'https://desk.example/inbound/fax/telnyx' },
  });
}

/** The headers a chat widget signs an event with (HMAC of timestamp and body, as the authenticator checks). */
export function widgetHeaders(secret: string, body: string, at: Date): Record<string, string> {
  const timestamp = String(Math.floor(at.getTime() / 1000));
  return {
    'content-type': 'application/json',
    'x-chat-timestamp': timestamp,
    'x-chat-signature': widgetSignature(secret, timestamp, body),
  };
}
