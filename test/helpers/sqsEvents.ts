import { randomUUID } from 'node:crypto';
import type { SQSEvent, SQSRecord } from 'aws-lambda';

/** An SQS record as Lambda hands it to the route stage, with a body of our choice. */
export function sqsRecord(body: string): SQSRecord {
  return {
    messageId: randomUUID(),
    receiptHandle: 'receipt',
    body,
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: '0',
      SenderId: 'local',
      ApproximateFirstReceiveTimestamp: '0',
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:inbound',
    awsRegion: 'us-east-1',
  };
}

export function sqsEvent(bodies: readonly unknown[]): SQSEvent {
  return { Records: bodies.map((body) => sqsRecord(typeof body === 'string' ? body : JSON.stringify(body))) };
}
