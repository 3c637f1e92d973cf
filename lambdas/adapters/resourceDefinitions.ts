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

/** The queue between the fax webhook and the OCR step (its own DLQ; the CDK construct and local mode share this). */
export const FAX_OCR_QUEUE = {
  name: 'fax-ocr',
  deadLetterName: 'fax-ocr-dlq',
  maxReceiveCount: 5,
  /** Textract's asynchronous job on a long fax can take minutes: the OCR function may run 5 minutes. */
  ocrFunctionTimeoutSeconds: 300,
  /** Six times the function's timeout, as AWS recommends for SQS event sources. */
  visibilityTimeoutSeconds: 1_800,
  batchSize: 1,
  /**
   * The most OCR invocations at once (the SQS event source's maximum concurrency; lowered to the
   * function's reserved concurrency when it has one). A fax is a few pages every few minutes at a
   * desk; the fax backlog alarm says when five at a time falls behind.
   */
  maxConcurrency: 5,
  deadLetterRetentionDays: 14,
} as const;

/** The form's rate-limit counters: a table of its own (not the case table, whose keys one adapter owns). */
export const RATE_LIMIT_TABLE_NAME_SUFFIX = 'ratelimits';
