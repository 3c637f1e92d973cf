/**
 * An HTTP request as a webhook handler needs it: the exact bytes and URL the sender signed.
 * API Gateway events and the local gateway are both turned into this.
 */
export interface WebhookRequest {
  method: string;
  /** The URL as the sender called it (scheme, host, path and query). */
  url: string;
  /** Header names in lower case. */
  headers: Record<string, string | undefined>;
  body: Uint8Array;
  /** The client's address (API Gateway's sourceIp; the socket's address locally). */
  sourceIp?: string;
}

/** What a webhook handler answers: a status and a JSON body (never PHI). */
export interface WebhookResponse {
  status: number;
  body: Record<string, unknown>;
}
