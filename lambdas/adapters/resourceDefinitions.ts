/**
 * Queue and bucket settings shared by the CDK stack and local mode, so both create the same
 * resources. Plain data: no SDK or CDK imports.
 */
export const INBOUND_QUEUE = {
  name: 'inbound',
  deadLetterName: 'inbound-dlq',
  /** Transient failures retry this many times before SQS moves the message to the DLQ. */
  maxReceiveCount: 5,
  /** Six times the route function's timeout, as AWS recommends for SQS event sources. */
  visibilityTimeoutSeconds: 180,
  routeFunctionTimeoutSeconds: 30,
  batchSize: 10,
  /** Keep dead letters long enough for a person to look (SQS maximum is 14 days). */
  deadLetterRetentionDays: 14,
} as const;

export const RAW_CONTENT = {
  emailPrefix: 'email/',
  /** An SES-received message can be up to 40 MB; local mode accepts the same. */
  maxEmailBytes: 40 * 1024 * 1024,
} as const;
