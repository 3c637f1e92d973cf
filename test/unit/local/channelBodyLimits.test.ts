import { describe, expect, it } from 'vitest';
import { CHANNEL_BODY_LIMITS } from '../../../lambdas/local/channelRoutes.js';

/**
 * In AWS the HTTP API hands a fax webhook's body to a synchronously invoked Lambda, whose
 * invocation payload is at most 6 MB (Lambda API reference, Invoke), and a multipart body (Phaxio,
 * Sinch multipart) arrives base64-encoded in the event (4/3 larger). Local mode must not accept
 * what AWS cannot deliver to the function.
 */
describe('channel body limits', () => {
  it('accepts locally only what a synchronous Lambda invocation can carry as a base64 event', () => {
    const lambdaSyncPayloadBytes = 6 * 1024 * 1024;
    const eventEnvelopeBytes = 16 * 1024; // headers, request context, JSON framing
    const base64Bytes = Math.ceil(CHANNEL_BODY_LIMITS.fax / 3) * 4;

    expect(base64Bytes + eventEnvelopeBytes).toBeLessThanOrEqual(lambdaSyncPayloadBytes);
  });
});
