import { caseIdFor, caseReference } from '../cases/caseIds.js';
import { inboundKeyOf } from '../cases/messageIdentity.js';
import {
  FORM_BODY_LIMIT_BYTES,
  type InternationalForm,
  InternationalFormSchema,
} from '../form/internationalForm.js';
import type { InboundMessage } from '../inboundMessage.js';
import type { BlobStore, Clock, InboundQueue } from '../ports.js';
import { fieldErrors, readJsonBody, type WebhookRequest, type WebhookResponse } from '../webhookRequest.js';

/** A fixed-window counter per key (client address, contact e-mail). */
export interface RateLimiter {
  /** Counts one hit; `allowed` is false once `limit` hits fell in the current window. */
  hit(
    key: string,
    limit: number,
    windowSeconds: number,
    now: Date,
  ): Promise<{ allowed: boolean; retryAfterSeconds: number }>;
}

/** Digest for idempotency keys (SHA-256 in the adapter layer; the domain does no crypto). */
export type Digest = (text: string) => string;

export interface AcceptFormServices {
  blobStore: BlobStore;
  inboundQueue: InboundQueue;
  rateLimiter: RateLimiter;
  clock: Clock;
  digest: Digest;
}

/** A public form's abuse limits: per client address and per contact e-mail, per window. */
export const FORM_RATE_LIMITS = {
  perAddress: { limit: 10, windowSeconds: 3_600 },
  perEmail: { limit: 5, windowSeconds: 3_600 },
} as const;

export const FORM_PREFIX = 'form/';

export type AcceptFormOutcome = WebhookResponse & {
  outcome: 'accepted' | 'rejected' | 'rate_limited' | 'quarantined';
};

/** The canonical message of a form submission: the contact e-mail is where the answer goes. */
export function formToInboundMessage(
  form: InternationalForm,
  externalId: string,
  receivedAt: Date,
  rawBlobKey: string,
): InboundMessage {
  return {
    channel: 'form',
    externalId,
    receivedAt: receivedAt.toISOString(),
    sender: { address: form.email, name: form.name },
    replyTo: form.email,
    subject: `International inquiry from ${form.country}${form.topic ? ` (${form.topic})` : ''}`,
    bodyText: form.message,
    attachments: [],
    rawBlobKey,
    threading: { references: [] },
    hints: {
      preferredLanguage: form.preferredLanguage,
      country: form.country,
      formFields: {
        country: form.country,
        preferredLanguage: form.preferredLanguage,
        ...(form.memberId ? { memberId: form.memberId } : {}),
        ...(form.topic ? { topic: form.topic } : {}),
        ...(form.expedited ? { expedited: 'yes' } : {}),
      },
      ...(form.topic ? { topic: form.topic, topicSource: 'member' as const } : {}),
      ...(form.expedited ? { expedited: true } : {}),
    },
    automated: false,
  };
}

/**
 * The reference of the case a submission opens, told to the sender at once: the route stage names a
 * new case by its channel and the message's idempotency key, and a form never joins another case (it
 * names no thread), so the same message always opens the case with this reference.
 */
export function formCaseReference(message: InboundMessage): string {
  return caseReference(caseIdFor('form', inboundKeyOf(message)));
}

/**
 * `POST /inbound/form`: the international inquiry form. Size-limited (413), JSON (400), validated
 * field by field (422 with every field's error), rate-limited per client address and per contact
 * e-mail (429 with Retry-After seconds), and a filled honeypot is kept in quarantine with the
 * reason while the bot gets the same answer a person would. Accepted submissions are queued for
 * routing; the answer carries the case reference the acknowledgement will repeat.
 */
export async function acceptForm(
  request: WebhookRequest,
  services: AcceptFormServices,
): Promise<AcceptFormOutcome> {
  const now = services.clock.now();
  if (request.body.length > FORM_BODY_LIMIT_BYTES) {
    return {
      outcome: 'rejected',
      status: 413,
      body: { error: 'payload_too_large', message: `the form is at most ${FORM_BODY_LIMIT_BYTES} bytes` },
    };
  }
  const contentType = request.headers['content-type'] ?? '';
  if (!/^application\/json\b/i.test(contentType)) {
    return {
      outcome: 'rejected',
      status: 415,
      body: { error: 'unsupported_media_type', message: 'send the form as application/json' },
    };
  }
  const address = request.sourceIp ?? 'unknown';
  // The limiter's table holds digests only: neither a client address nor a contact e-mail in clear.
  const byAddress = await services.rateLimiter.hit(
    `form:ip:${services.digest(address)}`,
    FORM_RATE_LIMITS.perAddress.limit,
    FORM_RATE_LIMITS.perAddress.windowSeconds,
    now,
  );
  if (!byAddress.allowed) {
    return {
      outcome: 'rate_limited',
      status: 429,
      body: {
        error: 'too_many_requests',
        message: 'too many submissions from this address',
        retryAfterSeconds: byAddress.retryAfterSeconds,
      },
    };
  }
  const body = readJsonBody(request);
  if ('invalid' in body) return { outcome: 'rejected', ...body.invalid };
  const parsed = InternationalFormSchema.safeParse(body.json);
  if (!parsed.success) {
    const fields = fieldErrors(parsed.error.issues);
    return {
      outcome: 'rejected',
      status: 422,
      body: { error: 'invalid_form', message: 'some fields need attention', fields },
    };
  }
  const form = parsed.data;
  const byEmail = await services.rateLimiter.hit(
    `form:email:${services.digest(mailboxOf(form.email))}`,
    FORM_RATE_LIMITS.perEmail.limit,
    FORM_RATE_LIMITS.perEmail.windowSeconds,
    now,
  );
  if (!byEmail.allowed) {
    return {
      outcome: 'rate_limited',
      status: 429,
      body: {
        error: 'too_many_requests',
        message: 'too many submissions for this e-mail address',
        retryAfterSeconds: byEmail.retryAfterSeconds,
      },
    };
  }
  const identity =
    form.submissionId ??
    services.digest([form.email.toLowerCase(), form.memberId ?? '', form.message].join('\u0000'));
  const externalId = `form:${identity}`;
  // The raw key is the message's own inbound key, so two different submissions that share a page's
  // submissionId keep one raw submission each, and a true double submission writes the same object.
  const unplaced = formToInboundMessage(form, externalId, now, '');
  const rawKey = `${FORM_PREFIX}${inboundKeyOf(unplaced)}.json`;
  const message: InboundMessage = { ...unplaced, rawBlobKey: rawKey };
  const answer = { status: 'received', reference: formCaseReference(message) };
  if (form.website && form.website.trim() !== '') {
    // A honeypot the page hides from people: a bot filled it. Kept with the reason, and answered
    // exactly as a person is (a reference that will never resolve), so the bot learns nothing.
    await services.blobStore.put(`quarantine/${rawKey}`, request.body, {
      'quarantine-reason': 'honeypot field filled',
    });
    return { outcome: 'quarantined', status: 202, body: answer };
  }
  await services.blobStore.put(rawKey, request.body, { channel: 'form' });
  await services.inboundQueue.enqueue(message);
  return { outcome: 'accepted', status: 202, body: answer };
}

/**
 * The mailbox an address delivers to, for the per-e-mail limit: case-folded, with its `+tag`
 * sub-address (RFC 5233) removed, so plus-addressed variants of one inbox share one limit. Only `+`
 * is folded: on most hosts `name-tag@` is a different mailbox.
 */
export function mailboxOf(address: string): string {
  const lowered = address.trim().toLowerCase();
  const at = lowered.lastIndexOf('@');
  if (at <= 0) return lowered;
  const local = lowered.slice(0, at);
  const plus = local.indexOf('+');
  return `${plus > 0 ? local.slice(0, plus) : local}${lowered.slice(at)}`;
}
