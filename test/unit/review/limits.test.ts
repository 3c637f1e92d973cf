import { describe, expect, it } from 'vitest';
import { CHANNEL_BODY_LIMITS } from '../../../lambdas/local/channelRoutes.js';

/**
 * Local mode accepts fax webhooks up to CHANNEL_BODY_LIMITS.fax (10 MiB, "API Gateway's HTTP API
 * caps payloads at 10 MB"), but in AWS the HTTP API hands the body to a synchronously invoked
 * Lambda, whose invocation payload is at most 6 MB (Lambda API reference, Invoke), and a
 * multipart body (Phaxio, Sinch multipart) arrives base64-encoded in the event (4/3 larger).
 * A Phaxio or Sinch fax of ~4.4 MB or more is accepted locally and fails in AWS before the
 * handler runs (no Lambda error metric, so no alarm), and the provider retries it into oblivion.
 */
describe('review: fax webhook body limit', () => {
  it('accepts locally only what a synchronous Lambda invocation can carry as a base64 event', () => {
    const lambdaSyncPayloadBytes = 6 * 1024 * 1024;
    const eventEnvelopeBytes = 16 * 1024; // headers, request context, JSON framing
    const base64Bytes = Math.ceil(CHANNEL_BODY_LIMITS.fax / 3) * 4;
    expect(base64Bytes + eventEnvelopeBytes).toBeLessThanOrEqual(lambdaSyncPayloadBytes);
  });
});
