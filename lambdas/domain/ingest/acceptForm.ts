import { caseIdFor, caseReference } from '../cases/caseIds.js';
import { inboundKeyOf } from '../cases/messageIdentity.js';
import {
  FORM_BODY_LIMIT_BYTES,
  type InternationalForm,
  InternationalFormSchema,
} from '../form/internationalForm.js';
import type { InboundMessage } from '../inboundMessage.js';
import { inboxOf } from '../outbound/mailLoopGuard.js';
import type { Clock, ConditionalBlobStore, InboundQueue } from '../ports.js';
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
  /** Raw submissions, created only where none exists (a submission id is never written twice). */
  blobStore: ConditionalBlobStore;
  inboundQueue: InboundQueue;
  rateLimiter: RateLimiter;
  clock: Clock;
  digest: Digest;
  /**
   * The keyed digest (HMAC) the limiter's keys are made of: a plain digest of an IPv4 address can be
   * reversed by trying all 2^32 of them, so whoever reads the table would learn who wrote in.
   */
  limiterDigest: Digest;
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
        ...(form.timeZone ? { timeZone: form.timeZone } : {}),
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
  // The limiter's table holds keyed digests only: neither a client address nor a contact e-mail,
  // nor anything a guess can be checked against without the key.
  const byAddress = await services.rateLimiter.hit(
    `form:ip:${services.limiterDigest(address)}`,
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
    `form:email:${services.limiterDigest(inboxOf(form.email))}`,
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
  // Without the page's submissionId, the identity is every field the submission carries: a double
  // click is one message, and two submissions that differ anywhere (a member ID, the expedited box)
  // are two.
  const fields = canonicalForm(form);
  const identity = form.submissionId ?? services.digest(fields);
  const externalId = `form:${identity}`;
  const rawKey = `${FORM_PREFIX}${services.digest(externalId)}.json`;
  const message = formToInboundMessage(form, externalId, now, rawKey);
  const answer = { status: 'received', reference: formCaseReference(message) };
  if (form.website && form.website.trim() !== '') {
    // A honeypot the page hides from people: a bot filled it. Kept with the reason, and answered
    // exactly as a person is (a reference that will never resolve), so the bot learns nothing.
    await services.blobStore.put(`quarantine/${rawKey}`, request.body, {
      'quarantine-reason': 'honeypot field filled',
    });
    return { outcome: 'quarantined', status: 202, body: answer };
  }
  if (!(await services.blobStore.create(rawKey, request.body, { channel: 'form' }))) {
    // The id was used before. The same submission again (a retry, a double click) is queued again:
    // routing keeps one case per message, and a first attempt that died before queuing is not lost.
    // A different submission under a used id is refused (as the IETF Idempotency-Key draft and
    // Stripe do), so neither submission is overwritten nor silently dropped.
    const earlier = await services.blobStore.get(rawKey);
    if (!earlier || storedFormFields(earlier) !== fields) {
      return {
        outcome: 'rejected',
        status: 422,
        body: {
          error: 'submission_id_reused',
          message:
            'this submissionId was used for a different submission; send this one with a new submissionId',
        },
      };
    }
  }
  await services.inboundQueue.enqueue(message);
  return { outcome: 'accepted', status: 202, body: answer };
}

/** A submission's fields as one string (schema order, e-mail case-folded, the honeypot aside). */
function canonicalForm(form: InternationalForm): string {
  const { website: _honeypot, ...fields } = form;
  return JSON.stringify({ ...fields, email: form.email.toLowerCase() });
}

/** The canonical fields of a stored raw submission, or undefined when it no longer parses. */
function storedFormFields(raw: Uint8Array): string | undefined {
  try {
    const parsed = InternationalFormSchema.safeParse(JSON.parse(new TextDecoder().decode(raw)));
    return parsed.success ? canonicalForm(parsed.data) : undefined;
  } catch {
    return undefined;
  }
}
