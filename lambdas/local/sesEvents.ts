import type { SESEvent } from 'aws-lambda';

/** An SES receipt event as the Lambda action delivers it (content is in S3, not in the event). */
export function sesReceiptEvent(
  messageId: string,
  receivedAt: Date,
  recipient = 'support@pharmacy.example',
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
            destination: [recipient],
            headersTruncated: false,
            headers: [],
            commonHeaders: { returnPath: 'unknown@local', date: timestamp, messageId, to: [recipient] },
          },
          receipt: {
            timestamp,
            processingTimeMillis: 0,
            recipients: [recipient],
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
