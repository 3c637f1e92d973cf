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

/** The body as JSON, or the 400 a webhook answers when it is not UTF-8 JSON. */
export function readJsonBody(request: WebhookRequest): { json: unknown } | { invalid: WebhookResponse } {
  try {
    return { json: JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(request.body)) };
  } catch {
    return {
      invalid: { status: 400, body: { error: 'invalid_json', message: 'the body is not UTF-8 JSON' } },
    };
  }
}

/** zod issues as `{ "field.path": "message" }`, the first message per field, at most `limit` fields. */
export function fieldErrors(
  issues: readonly { path: readonly PropertyKey[]; message: string }[],
  limit = 30,
): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const issue of issues.slice(0, limit))
    fields[issue.path.map(String).join('.') || '(body)'] ??= issue.message;
  return fields;
}
