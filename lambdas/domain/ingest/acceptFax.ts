import type { FaxProviderName } from '../fax/faxDetails.js';
import { type FaxProvider, InboundFaxSchema, type MediaFetcher } from '../fax/faxProvider.js';
import type { Clock, ConditionalBlobStore } from '../ports.js';
import type { WebhookRequest, WebhookResponse } from '../webhookRequest.js';
import * as z from '../zodMini.js';

/** A received fax waiting for the OCR step: the provider's record and where its document is. */
export const FaxJobSchema = z.object({
  fax: InboundFaxSchema,
  documentKey: z.string().check(z.minLength(1), z.maxLength(1024)),
  mediaType: z.enum(['application/pdf', 'image/tiff']),
  documentBytes: z.int().check(z.nonnegative()),
});
export type FaxJob = z.infer<typeof FaxJobSchema>;

/** Hands a received fax to the OCR step (SQS in AWS and locally). */
export interface FaxJobQueue {
  enqueue(job: FaxJob): Promise<void>;
}

export interface AcceptFaxServices {
  providers: Partial<Record<FaxProviderName, FaxProvider>>;
  blobStore: ConditionalBlobStore;
  mediaFetcher: MediaFetcher;
  faxJobs: FaxJobQueue;
  clock: Clock;
}

export const FAX_PREFIX = 'fax/';

/** Lambda's synchronous invocation payload limit (Lambda API reference, Invoke: 6 MB). */
const LAMBDA_SYNC_PAYLOAD_BYTES = 6 * 1024 * 1024;
/** What API Gateway's event adds around the body: headers, request context, JSON framing. */
const WEBHOOK_EVENT_ENVELOPE_BYTES = 16 * 1024;

/**
 * The largest fax webhook body taken, in AWS and locally alike. The HTTP API hands the body to a
 * synchronously invoked Lambda, base64-encoded when it is binary or multipart (Phaxio, Sinch), so
 * 4/3 of it must fit in the invocation with the event around it (≈ 4.5 MB of body). A larger
 * request never reaches the function in AWS; locally it is answered 413 so the two agree.
 */
export const FAX_WEBHOOK_BODY_LIMIT_BYTES =
  Math.floor((LAMBDA_SYNC_PAYLOAD_BYTES - WEBHOOK_EVENT_ENVELOPE_BYTES) / 4) * 3;

/**
 * Where a fax's document and its markers live in the raw-content bucket: the claim of the
 * delivery receiving it, and the receipt written once its job is queued.
 */
export function faxKeys(provider: string, faxId: string) {
  const folder = `${FAX_PREFIX}${provider}/${encodeURIComponent(faxId)}/`;
  return { document: `${folder}document`, claim: `${folder}claim.json`, receipt: `${folder}receipt.json` };
}

/**
 * A claim older than this belongs to a delivery that died: API Gateway gives a webhook at most
 * 30 s, so no live delivery holds one this long.
 */
export const FAX_CLAIM_LEASE_MS = 120_000;

const FaxClaimSchema = z.union([
  z.object({ claimedAt: z.iso.datetime({ offset: true }) }),
  z.object({ released: z.literal(true) }),
]);

/**
 * Takes the claim on receiving one fax, so that concurrent deliveries of it (providers deliver at
 * least once, sometimes at the same moment) download it, store it and queue its OCR job once.
 * The first claim is a create-only write (S3 `If-None-Match: *`); a claim released after a failed
 * download, or left by a delivery that died, is taken over.
 */
async function claimFax(claimKey: string, services: AcceptFaxServices): Promise<boolean> {
  const now = services.clock.now();
  const claim = JSON.stringify({ claimedAt: now.toISOString() });
  if (await services.blobStore.create(claimKey, claim)) return true;
  const held = await services.blobStore.get(claimKey);
  let parsed: z.infer<typeof FaxClaimSchema> | undefined;
  try {
    parsed = FaxClaimSchema.parse(JSON.parse(Buffer.from(held ?? []).toString('utf8')));
  } catch {
    parsed = undefined; // unreadable: taken over like a dead delivery's
  }
  const live =
    parsed !== undefined &&
    'claimedAt' in parsed &&
    now.getTime() - Date.parse(parsed.claimedAt) < FAX_CLAIM_LEASE_MS;
  if (live) return false;
  // Two deliveries taking over the same dead claim in the same instant would both proceed; the
  // provider's retries are minutes apart, and the case store keeps one case per fax either way.
  await services.blobStore.put(claimKey, claim);
  return true;
}

/** The bytes are a PDF or a TIFF (by magic number); a provider's content type is not trusted. */
export function faxMediaTypeOf(bytes: Uint8Array): FaxJob['mediaType'] | undefined {
  if (bytes[0] === 0x25 && bytes[1] === 0x50 && bytes[2] === 0x44 && bytes[3] === 0x46)
    return 'application/pdf';
  const littleEndian = bytes[0] === 0x49 && bytes[1] === 0x49 && bytes[2] === 42 && bytes[3] === 0;
  const bigEndian = bytes[0] === 0x4d && bytes[1] === 0x4d && bytes[2] === 0 && bytes[3] === 42;
  return littleEndian || bigEndian ? 'image/tiff' : undefined;
}

/**
 * How far before its webhook's arrival a provider's receipt time is believed: providers retry a
 * failed delivery for hours, not days (Telnyx fails over to a second URL at once).
 */
export const FAX_RECEIPT_TOLERANCE_MS = 48 * 60 * 60 * 1000;

/**
 * The provider's receipt time, kept within [arrival − tolerance, arrival]. The regulatory clock
 * starts there (42 CFR 423.568, 423.572, 423.590: time counts from receipt), so a time in the future
 * (a provider's clock off) would start it late, and one years back (a default date) would make
 * the case breached on arrival.
 */
export function plausibleReceiptTime(receivedAt: string, arrival: Date): string {
  const reported = Date.parse(receivedAt);
  const clamped = Math.min(
    arrival.getTime(),
    Math.max(arrival.getTime() - FAX_RECEIPT_TOLERANCE_MS, reported),
  );
  return new Date(clamped).toISOString();
}

export type AcceptFaxOutcome = WebhookResponse & {
  outcome: 'accepted' | 'duplicate' | 'ignored' | 'rejected' | 'unauthorized' | 'media_unavailable';
};

function answer(
  outcome: AcceptFaxOutcome['outcome'],
  status: number,
  body: Record<string, unknown>,
): AcceptFaxOutcome {
  return { outcome, status, body };
}

/**
 * A fax provider's webhook: authenticate on the raw request (401, no case, when it fails), read the
 * event, download the document at once into the raw bucket (Telnyx's URL expires in minutes) and
 * hand it to the OCR step. A fax already received (the provider retried, or delivered twice) is
 * answered 200 and changes nothing; one being received by a concurrent delivery is answered 409
 * so the provider delivers again. The order of writes (claim, document, job, receipt marker)
 * means a crash half way makes the provider retry, never loses the fax.
 */
export async function acceptFaxWebhook(
  providerName: string,
  request: WebhookRequest,
  services: AcceptFaxServices,
): Promise<AcceptFaxOutcome> {
  // The name comes from the URL path: only the map's own entries count, so `__proto__` or
  // `constructor` is an unknown provider (404), not a property of Object.prototype.
  const provider = Object.entries(services.providers).find(([name]) => name === providerName)?.[1];
  if (!provider) {
    return answer('rejected', 404, {
      error: 'unknown_provider',
      message: `no fax provider "${providerName.slice(0, 40)}" is configured`,
    });
  }
  if (request.body.length > FAX_WEBHOOK_BODY_LIMIT_BYTES) {
    return answer('rejected', 413, {
      error: 'payload_too_large',
      message: `a fax webhook is at most ${FAX_WEBHOOK_BODY_LIMIT_BYTES} bytes`,
    });
  }
  const authentication = await provider.authenticate(request, services.clock.now());
  if (!authentication.ok)
    return answer('unauthorized', 401, { error: 'unauthorized', message: authentication.reason });
  const reading = await provider.read(request);
  if (reading.kind === 'invalid')
    return answer('rejected', 400, { error: 'invalid_payload', message: reading.reason });
  if (reading.kind === 'ignored')
    return answer('ignored', 200, { status: 'ignored', reason: reading.reason });

  const { media } = reading;
  const fax = {
    ...reading.fax,
    receivedAt: plausibleReceiptTime(reading.fax.receivedAt, services.clock.now()),
  };
  const keys = faxKeys(fax.provider, fax.faxId);
  const duplicate = answer('duplicate', 200, { status: 'duplicate', faxId: fax.faxId });
  if (await services.blobStore.get(keys.receipt)) return duplicate;
  if (!(await claimFax(keys.claim, services))) {
    // Another delivery of this fax holds the claim: it finished (a duplicate) or is still at work,
    // in which case the provider must deliver again later rather than be told it is done.
    if (await services.blobStore.get(keys.receipt)) return duplicate;
    return answer('duplicate', 409, {
      error: 'in_progress',
      message: 'another delivery of this fax is being received; deliver again later',
      retryAfterSeconds: 30,
    });
  }
  const release = () => services.blobStore.put(keys.claim, JSON.stringify({ released: true }));
  let bytes: Uint8Array;
  if (media.kind === 'inline') bytes = media.bytes;
  else {
    try {
      bytes = await services.mediaFetcher.fetch(media.url);
    } catch (error) {
      // 502 makes the provider deliver again (Telnyx retries and fails over); nothing was stored.
      await release();
      return answer('media_unavailable', 502, {
        error: 'media_unavailable',
        message: `the fax document could not be downloaded: ${(error as Error).message}`.slice(0, 300),
      });
    }
  }
  const mediaType = faxMediaTypeOf(bytes);
  if (!mediaType) {
    await release();
    return answer('rejected', 400, {
      error: 'unsupported_media',
      message: 'the fax document is neither a PDF nor a TIFF',
    });
  }
  await services.blobStore.put(keys.document, bytes, {
    'content-type': mediaType,
    provider: fax.provider,
    'fax-id': fax.faxId,
  });
  const job: FaxJob = { fax, documentKey: keys.document, mediaType, documentBytes: bytes.length };
  await services.faxJobs.enqueue(job);
  await services.blobStore.put(keys.receipt, JSON.stringify(job), { provider: fax.provider });
  // 200, not 202: Telnyx ("the server must return an HTTP 200, otherwise we will reattempt delivery
  // at the failover webhook URL") and Sinch ("expect a 200 HTTP result response … otherwise the
  // webhook event will count as failed", then up to 16 retries) both ask for exactly 200.
  return answer('accepted', 200, { status: 'accepted', faxId: fax.faxId });
}
