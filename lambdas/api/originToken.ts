import { timingSafeEqual } from 'node:crypto';

/**
 * The header the console's CloudFront distribution adds to every request it forwards to the staff
 * API (an origin custom header: CloudFront sets it, replacing any a viewer sent). The API Gateway
 * endpoint itself stays reachable on its execute-api name, which is not behind the distribution's web
 * ACL or country list; a request without this header did not come through them and is refused.
 */
export const ORIGIN_TOKEN_HEADER = 'x-contact-router-origin';

/** Whether a request carries the distribution's token (compared in constant time). */
export function cameThroughConsoleEdge(
  headers: Readonly<Record<string, string | undefined>>,
  token: string,
): boolean {
  const sent = headers[ORIGIN_TOKEN_HEADER];
  if (sent === undefined) return false;
  const expected = Buffer.from(token, 'utf8');
  const given = Buffer.from(sent, 'utf8');
  return given.length === expected.length && timingSafeEqual(given, expected);
}
