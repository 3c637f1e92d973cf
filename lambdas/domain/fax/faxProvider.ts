import type { WebhookRequest } from '../webhookRequest.js';
import * as z from '../zodMini.js';
import { type FaxProviderName, FaxProviderNameSchema } from './faxDetails.js';

/** A received fax as every provider's webhook is normalised into. */
export const InboundFaxSchema = z.object({
  provider: FaxProviderNameSchema,
  /** The provider's fax id: one fax is one case, however often the webhook is delivered. */
  faxId: z.string().check(z.minLength(1), z.maxLength(200)),
  /** The provider's event id, when it has one (Telnyx `data.id`). */
  eventId: z.optional(z.string().check(z.maxLength(200))),
  /** The provider's receipt time: the regulatory clock starts here (42 CFR 423.568, 423.582). */
  receivedAt: z.iso.datetime({ offset: true }),
  from: z.optional(z.string().check(z.maxLength(64))),
  to: z.optional(z.string().check(z.maxLength(64))),
  /** Pages the provider says it received. */
  pageCount: z.optional(z.int().check(z.nonnegative())),
  /** The provider says the fax is incomplete (Telnyx `partial_content`). */
  partialContent: z.boolean(),
});
export type InboundFax = z.infer<typeof InboundFaxSchema>;

export type FaxMedia = { kind: 'inline'; bytes: Uint8Array } | { kind: 'url'; url: string };

export type FaxWebhookReading =
  | { kind: 'fax'; fax: InboundFax; media: FaxMedia }
  /** A well-formed event that makes no case (fax.receiving.started, an outbound fax's status, a ping). */
  | { kind: 'ignored'; reason: string }
  /** The body is not what the provider sends: 400 with the reason. */
  | { kind: 'invalid'; reason: string };

export type Authentication = { ok: true } | { ok: false; reason: string };

/** One fax provider's webhook: how to tell it is genuine, and how to read it. */
export interface FaxProvider {
  readonly name: FaxProviderName;
  /** Checks the request came from the provider (signature, timestamp or credentials), on the raw request. */
  authenticate(request: WebhookRequest, now: Date): Promise<Authentication>;
  read(request: WebhookRequest): Promise<FaxWebhookReading>;
}

/** Downloads a fax's media from the provider's short-lived URL. */
export interface MediaFetcher {
  fetch(url: string): Promise<Uint8Array>;
}
