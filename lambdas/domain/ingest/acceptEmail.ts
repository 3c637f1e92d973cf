import type { EmailVerdicts, InboundMessage } from '../inboundMessage.js';
import { InboundMessageSchema } from '../inboundMessage.js';
import type { BlobStore, InboundQueue } from '../ports.js';
import { redactPii } from '../triage/redactPii.js';
import { type FaxJobQueue, faxKeys, faxMediaTypeOf } from './acceptFax.js';
import { domainsAlign, isPossibleSpoofing } from './emailTrust.js';

/** An attachment's bytes, by its index in `message.attachments`. */
export interface AttachmentBody {
  index: number;
  bytes: Uint8Array;
}

export type ParsedEmail =
  | { ok: true; message: InboundMessage; attachmentBodies?: AttachmentBody[] }
  | { ok: false; reason: string };

/** What SES's receipt says besides the raw mail: its scans and to whom the mail was addressed. */
export interface EmailReceipt {
  verdicts: EmailVerdicts;
  recipients: string[];
  /** The envelope sender (SMTP MAIL FROM, SES's `mail.source`): the address SPF vouched for. */
  envelopeSender?: string;
}

/** The desk's own identity: its domains (for spoofing checks) and the addresses faxes are mailed to. */
export interface DeskIdentity {
  domains: string[];
  faxAddresses: string[];
}

/** Turns raw RFC 822 bytes into the canonical message (MIME parsing lives in an adapter). */
export interface EmailParser {
  parse(raw: Uint8Array, context: { receivedAt: string; rawBlobKey: string }): Promise<ParsedEmail>;
}

export interface AcceptEmailServices {
  blobStore: BlobStore;
  inboundQueue: InboundQueue;
  emailParser: EmailParser;
  /** Channels: fax-to-email goes to the OCR step; the desk's domains decide what spoofing is. */
  faxJobs?: FaxJobQueue;
  desk?: DeskIdentity;
}

export type AcceptEmailOutcome =
  | { outcome: 'queued'; externalId: string; automated: boolean }
  | { outcome: 'fax'; externalId: string; documents: number }
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
  receipt?: EmailReceipt,
): Promise<AcceptEmailOutcome> {
  const raw = await services.blobStore.get(rawKey);
  if (!raw) throw new RawEmailMissingError(rawKey);
  const quarantine = async (why: string): Promise<AcceptEmailOutcome> => {
    // A parser's complaint can quote the mail (a header it choked on); S3 user metadata is not under
    // the bucket's KMS encryption and the reason is logged, so it carries no identifier in clear.
    // Redacted whole, then cut (a cut first can leave the start of an address past the redactor's
    // reach), by code point so no lone surrogate reaches S3's percent-encoded metadata.
    const reason = Array.from(redactPii(why).redactedText).slice(0, 500).join('');
    const quarantineKey = `${QUARANTINE_PREFIX}${rawKey}`;
    await services.blobStore.move(rawKey, quarantineKey, { 'quarantine-reason': reason });
    return { outcome: 'quarantined', reason, quarantineKey };
  };
  // SES's virus scan failed: the mail never reaches staff or a case; it waits in quarantine with the reason.
  if (receipt?.verdicts.virus === 'FAIL')
    return quarantine('virus: the SES virus scan failed (virusVerdict FAIL)');
  const parsed = await services.emailParser.parse(raw, { receivedAt, rawBlobKey: rawKey });
  const reason = parsed.ok ? validationProblem(parsed.message) : parsed.reason;
  if (!parsed.ok || reason) return quarantine(reason ?? 'invalid');

  const message: InboundMessage = { ...parsed.message, attachments: [...parsed.message.attachments] };
  // Attachments go to the raw bucket beside the mail, listed on the message by key (never their bytes in the table).
  for (const body of parsed.attachmentBodies ?? []) {
    const attachment = message.attachments[body.index];
    if (!attachment) continue;
    // By position only: S3 server access logs (SSE-S3, outside the PHI key) and CloudTrail record
    // every object key, and a file name is often the member's name or drug; the name stays on the message.
    const blobKey = `${rawKey}/attachments/${body.index + 1}`;
    await services.blobStore.put(blobKey, body.bytes, { 'content-type': attachment.contentType });
    message.attachments[body.index] = { ...attachment, blobKey };
  }
  if (receipt) {
    const fromDomain = message.sender.address?.split('@')[1];
    const envelopeDomain = receipt.envelopeSender?.split('@')[1];
    message.emailVerdicts = {
      ...receipt.verdicts,
      ...(fromDomain && envelopeDomain ? { spfAligned: domainsAlign(envelopeDomain, fromDomain) } : {}),
    };
    if (isPossibleSpoofing(message.sender.address, receipt.verdicts, services.desk?.domains ?? [])) {
      message.hints = { ...message.hints, possibleSpoofing: true };
    }
  }

  const faxDocuments = faxToEmailDocuments(parsed.attachmentBodies ?? [], receipt, services);
  if (faxDocuments.length > 0 && services.faxJobs) {
    for (const [position, document] of faxDocuments.entries()) {
      const faxId = `${message.externalId}${faxDocuments.length > 1 ? `#${position + 1}` : ''}`.slice(0, 200);
      // Keyed by the delivery (SES's object key), not the Message-ID: another mail that reuses the
      // Message-ID is another fax and must not overwrite this one's document; SES delivering the
      // same object again writes the same bytes to the same key.
      const documentKey = faxKeys('email', `${rawKey}#${position + 1}`).document;
      await services.blobStore.put(documentKey, document.bytes, { 'content-type': document.mediaType });
      await services.faxJobs.enqueue({
        fax: {
          provider: 'email',
          faxId,
          receivedAt,
          ...(message.sender.address ? { from: message.sender.address.slice(0, 64) } : {}),
          ...(receipt?.recipients[0] ? { to: receipt.recipients[0].slice(0, 64) } : {}),
          partialContent: false,
        },
        documentKey,
        mediaType: document.mediaType,
        documentBytes: document.bytes.length,
      });
    }
    return { outcome: 'fax', externalId: message.externalId, documents: faxDocuments.length };
  }
  await services.inboundQueue.enqueue(message);
  return { outcome: 'queued', externalId: message.externalId, automated: message.automated };
}

/**
 * Fax-to-email: mail addressed to one of the desk's fax addresses whose PDF or TIFF attachments
 * are the faxed pages (a fax service's e-mail delivery). Each document is read like a webhook fax.
 */
function faxToEmailDocuments(
  bodies: AttachmentBody[],
  receipt: EmailReceipt | undefined,
  services: AcceptEmailServices,
): { bytes: Uint8Array; mediaType: 'application/pdf' | 'image/tiff' }[] {
  const faxAddresses = new Set((services.desk?.faxAddresses ?? []).map((address) => address.toLowerCase()));
  // `message.automated` (Auto-Submitted, RFC 3834) is not checked: a fax service's delivery is
  // automated by nature, and what reaches the fax address with a PDF or TIFF is a fax either way.
  if (faxAddresses.size === 0) return [];
  const addressedToFax = (receipt?.recipients ?? []).some((recipient) =>
    faxAddresses.has(recipient.toLowerCase()),
  );
  if (!addressedToFax) return [];
  return bodies.flatMap((body) => {
    const mediaType = faxMediaTypeOf(body.bytes);
    return mediaType ? [{ bytes: body.bytes, mediaType }] : [];
  });
}

function validationProblem(message: InboundMessage): string | undefined {
  const result = InboundMessageSchema.safeParse(message);
  if (result.success) return undefined;
  return result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
}
