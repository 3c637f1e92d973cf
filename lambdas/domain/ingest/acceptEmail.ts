import { type InboundMessage, InboundMessageSchema } from '../inboundMessage.js';
import type { BlobStore, InboundQueue } from '../ports.js';

export type ParsedEmail = { ok: true; message: InboundMessage } | { ok: false; reason: string };

/** Turns raw RFC 822 bytes into the canonical message (MIME parsing lives in an adapter). */
export interface EmailParser {
  parse(raw: Uint8Array, context: { receivedAt: string; rawBlobKey: string }): Promise<ParsedEmail>;
}

export interface AcceptEmailServices {
  blobStore: BlobStore;
  inboundQueue: InboundQueue;
  emailParser: EmailParser;
}

export type AcceptEmailOutcome =
  | { outcome: 'queued'; externalId: string; automated: boolean }
  | { outcome: 'quarantined'; reason: string; quarantineKey: string };

export class RawEmailMissingError extends Error {
  constructor(key: string) {
    super(`raw email ${key} is not in the raw-content bucket`);
    this.name = 'RawEmailMissingError';
  }
}

export const QUARANTINE_PREFIX = 'quarantine/';

/**
 * The email ingest use case: the raw message is already in the blob store (SES's S3 action put
 * it there). Parse, validate, queue for routing; a message that cannot become a case is moved
 * to quarantine with its reason, so nothing is lost and nothing half-made stays behind.
 */
export async function acceptEmail(
  rawKey: string,
  receivedAt: string,
  services: AcceptEmailServices,
): Promise<AcceptEmailOutcome> {
  const raw = await services.blobStore.get(rawKey);
  if (!raw) throw new RawEmailMissingError(rawKey);
  const parsed = await services.emailParser.parse(raw, { receivedAt, rawBlobKey: rawKey });
  const reason = parsed.ok ? validationProblem(parsed.message) : parsed.reason;
  if (!parsed.ok || reason) {
    const quarantineKey = `${QUARANTINE_PREFIX}${rawKey}`;
    await services.blobStore.move(rawKey, quarantineKey, { 'quarantine-reason': reason ?? 'invalid' });
    return { outcome: 'quarantined', reason: reason ?? 'invalid', quarantineKey };
  }
  await services.inboundQueue.enqueue(parsed.message);
  return { outcome: 'queued', externalId: parsed.message.externalId, automated: parsed.message.automated };
}

function validationProblem(message: InboundMessage): string | undefined {
  const result = InboundMessageSchema.safeParse(message);
  if (result.success) return undefined;
  return result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
}
