import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { WebhookRequest, WebhookResponse } from '../domain/webhookRequest.js';

/** An HTTP API (payload 2.0) event as the webhook use cases read it: raw bytes, lower-case headers, the called URL. */
export function webhookRequestOf(event: APIGatewayProxyEventV2): WebhookRequest {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(event.headers ?? {}))
    if (value !== undefined) headers[name.toLowerCase()] = value;
  const body =
    event.body === undefined
      ? new Uint8Array()
      : Buffer.from(event.body, event.isBase64Encoded ? 'base64' : 'utf8');
  const query = event.rawQueryString ? `?${event.rawQueryString}` : '';
  return {
    method: event.requestContext.http.method,
    url: `https://${event.requestContext.domainName}${event.rawPath}${query}`,
    headers,
    body,
    sourceIp: event.requestContext.http.sourceIp,
  };
}

export function httpResult(response: WebhookResponse): APIGatewayProxyStructuredResultV2 {
  const retryAfter = response.body.retryAfterSeconds;
  return {
    statusCode: response.status,
    headers: {
      'content-type': 'application/json',
      'cache-control': 'no-store',
      ...(typeof retryAfter === 'number' ? { 'retry-after': String(retryAfter) } : {}),
    },
    body: JSON.stringify(response.body),
  };
}
