import type { SESEvent } from 'aws-lambda';

/** Whom local mode's inbound e-mail is addressed to when the request names no one. */
export const LOCAL_DEFAULT_RECIPIENT = 'support@pharmacy.example';

/**
 * An SES receipt event as the Lambda action delivers it (content is in S3, not in the event).
 * `recipients` are the envelope's (RCPT TO), which decide fax-to-email; the verdicts all PASS.
 */
export function sesReceiptEvent(
  messageId: string,
  receivedAt: Date,
  recipients: readonly string[] = [LOCAL_DEFAULT_RECIPIENT],
): SESEvent {
  const timestamp = receivedAt.toISOString();
  const verdict = { status: 'PASS' as const };
  return {
    Records: [
      {
        eventSource: 'aws:ses',
        eventVersion: '1.0',
        ses: {
          mail: {
            timestamp,
            source: 'unknown@local',
            messageId,
            destination: [...recipients],
            headersTruncated: false,
            headers: [],
            commonHeaders: { returnPath: 'unknown@local', date: timestamp, messageId, to: [...recipients] },
          },
          receipt: {
            timestamp,
            processingTimeMillis: 0,
            recipients: [...recipients],
            spamVerdict: verdict,
            virusVerdict: verdict,
            spfVerdict: verdict,
            dkimVerdict: verdict,
            dmarcVerdict: verdict,
            action: {
              type: 'Lambda',
              functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:email-ingest',
              invocationType: 'Event',
            },
          },
        },
      },
    ],
  };
}
