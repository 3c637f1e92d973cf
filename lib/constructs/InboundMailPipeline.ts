import path from 'node:path';
import { Duration, Stack, Validations } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as ses from 'aws-cdk-lib/aws-ses';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { DESK_METRICS } from '../../lambdas/adapters/metrics/deskMetricNames.js';
import { INBOUND_QUEUE, RAW_CONTENT } from '../../lambdas/adapters/resourceDefinitions.js';
import { QUARANTINE_PREFIX } from '../../lambdas/domain/ingest/acceptEmail.js';
import { FAX_PREFIX } from '../../lambdas/domain/ingest/acceptFax.js';
import type { DeskMonitoring } from './DeskMonitoring.js';
import { InvalidPropsError } from './InvalidPropsError.js';
import { emailAddressProblems, recipientsProblems } from './propChecks.js';
import { RouterFunction, type RouterFunctionDefaults, sqsMaxConcurrencyProblems } from './RouterFunction.js';

const handlers = path.join(import.meta.dirname, '..', '..', 'lambdas', 'handlers');

export interface InboundMailPipelineProps {
  /** Addresses (or domains) the SES receipt rule accepts mail for. */
  recipients: string[];
  /** Encrypts the queues and, as the bucket's default key, the raw mail SES writes. */
  dataKey: kms.Key;
  /** Where SES stores raw mail (under `email/`) and ingest quarantines what it cannot parse. */
  rawBucket: s3.Bucket;
  /** The case table the route function writes. */
  table: dynamodb.TableV2;
  functionDefaults: RouterFunctionDefaults;
  /** Alarms on the dead letters, the ingest failures, the backlog and quarantined mail. */
  monitoring: DeskMonitoring;
  /** Seconds the oldest inbound message may wait before the backlog alarm fires (default 900). */
  inboundBacklogSeconds?: number;
  /**
   * The desk's address on mail to members (acknowledgements of new cases): an address whose SES
   * identity (the address or its domain) is verified; route-inbound may send only as it.
   */
  deskFrom: string;
  /** The display name on that mail (`Member Services`); the function's default when absent. */
  deskName?: string;
  /**
   * The desk's own domains (recipients and senders): a DMARC failure from one of them, or a
   * look-alike, flags the case as possible spoofing. Default: the recipients' domains.
   */
  deskDomains?: string[];
  /**
   * Fax-to-email: mail to one of `addresses` whose PDF or TIFF attachments are the faxed pages
   * becomes a fax job on `jobQueue`; the documents are kept under `fax/email/`.
   */
  faxToEmail?: { jobQueue: sqs.IQueue; addresses: string[] };
  /**
   * The most route-inbound invocations the queue runs at once (SQS event source maximum concurrency,
   * 2–1000; default 5: 50 messages in flight, far above a desk's mail rate, and room left in a new
   * account's quota of 10 executions for the staff API and the sweeper). Lowered to the function's
   * reserved concurrency when that is lower.
   */
  routeMaxConcurrency?: number;
}

/** The unique domains of some addresses (or domains), the leading wildcard dot dropped. */
export function domainsOf(addresses: readonly string[]): string[] {
  return [
    ...new Set(
      addresses.map((address) => (address.split('@')[1] ?? address).replace(/^\./, '').toLowerCase()),
    ),
  ];
}

/** SES's name rules for rule sets and rules: letters, digits, `.`, `_`, `-`; at most 64 characters. */
function sesName(text: string): string {
  return text.replace(/[^A-Za-z0-9._-]/g, '-').slice(0, 64);
}

/**
 * SES inbound → raw mail in S3 → email ingest → inbound queue (DLQ) → route function → case table.
 *
 * SES writes the raw message with a plain S3 `PutObject` (no client-side encryption): the bucket's
 * default SSE-KMS encrypts it under the data key, so ingest reads it back with a plain `GetObject`.
 * The bucket policy, the key policy and the Lambda permission admit SES only for this account's
 * receipt rule (`aws:SourceAccount` and `aws:SourceArn`).
 */
export class InboundMailPipeline extends Construct {
  readonly deadLetters: sqs.Queue;
  readonly inboundQueue: sqs.Queue;
  readonly ingestFailures: sqs.Queue;
  readonly emailIngest: lambda.IFunction;
  readonly ruleSet: ses.ReceiptRuleSet;
  /** The rule set's name, known at synth (`<stack>-inbound-mail`). */
  readonly ruleSetName: string;
  readonly receiptRule: ses.ReceiptRule;
  /** The ARN SES presents as `aws:SourceArn` when this rule writes mail or invokes ingest. */
  readonly receiptRuleArn: string;
  readonly route: lambda.IFunction;

  constructor(scope: Construct, id: string, props: InboundMailPipelineProps) {
    super(scope, id);
    const routeMaxConcurrency = props.routeMaxConcurrency ?? 5;
    InvalidPropsError.throwIfAny(`InboundMailPipeline ${this.node.path}`, [
      ...recipientsProblems(props.recipients),
      ...emailAddressProblems('deskFrom', props.deskFrom),
      ...(Number.isInteger(routeMaxConcurrency) && routeMaxConcurrency >= 2 && routeMaxConcurrency <= 1000
        ? []
        : [
            `\`routeMaxConcurrency\` must be an integer from 2 to 1000 (SQS event sources); received ${routeMaxConcurrency}`,
          ]),
      ...sqsMaxConcurrencyProblems(
        'routeMaxConcurrency',
        props.routeMaxConcurrency,
        props.functionDefaults.reservedConcurrency,
      ),
    ]);
    const { dataKey, rawBucket, table, functionDefaults, monitoring } = props;
    const stack = Stack.of(this);
    const queueDefaults = {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: dataKey,
      enforceSSL: true,
    };

    this.deadLetters = new sqs.Queue(this, 'InboundDeadLetters', {
      ...queueDefaults,
      retentionPeriod: Duration.days(INBOUND_QUEUE.deadLetterRetentionDays),
    });
    Validations.of(this.deadLetters).acknowledge({
      id: 'AwsSolutions::AwsSolutions-SQS3',
      reason: 'This queue is the dead-letter queue.',
    });
    this.inboundQueue = new sqs.Queue(this, 'Inbound', {
      ...queueDefaults,
      visibilityTimeout: Duration.seconds(INBOUND_QUEUE.visibilityTimeoutSeconds),
      deadLetterQueue: { queue: this.deadLetters, maxReceiveCount: INBOUND_QUEUE.maxReceiveCount },
    });
    // SES invokes ingest asynchronously; an event that still fails after Lambda's retries lands here.
    this.ingestFailures = new sqs.Queue(this, 'EmailIngestFailures', {
      ...queueDefaults,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.ingestFailures).acknowledge({
      id: 'AwsSolutions::AwsSolutions-SQS3',
      reason: "This queue is the email ingest function's failure destination (a dead-letter queue itself).",
    });

    const faxToEmail = props.faxToEmail;
    const deskDomains = props.deskDomains ?? domainsOf(props.recipients);
    const emailIngest = new RouterFunction(this, 'EmailIngest', {
      ...functionDefaults,
      label: DESK_METRICS.services.emailIngest,
      entry: path.join(handlers, 'emailIngest.ts'),
      description: 'SES receipt: parse raw mail from S3 into an InboundMessage and queue it',
      timeout: Duration.seconds(60),
      memorySize: 1024,
      deadLetterQueue: this.ingestFailures,
      environment: {
        RAW_BUCKET: rawBucket.bucketName,
        RAW_EMAIL_PREFIX: RAW_CONTENT.emailPrefix,
        INBOUND_QUEUE_URL: this.inboundQueue.queueUrl,
        DESK_DOMAINS: deskDomains.join(','),
        ...(faxToEmail
          ? {
              FAX_JOB_QUEUE_URL: faxToEmail.jobQueue.queueUrl,
              FAX_EMAIL_ADDRESSES: faxToEmail.addresses.join(','),
            }
          : {}),
      },
      access: {
        objects: [
          // Read the raw mail; after a verified copy into quarantine, delete the current version (a
          // delete marker: the version itself stays until the bucket's lifecycle expires it).
          {
            bucket: rawBucket,
            prefix: RAW_CONTENT.emailPrefix,
            actions: ['s3:GetObject', 's3:DeleteObject'],
          },
          // Each attachment beside its mail (`email/<id>/attachments/<n>-<name>`), never over the mail.
          {
            bucket: rawBucket,
            prefix: `${RAW_CONTENT.emailPrefix}*/attachments/`,
            actions: ['s3:PutObject'],
          },
          // Write the quarantined copy and read it back to verify it before the original goes.
          { bucket: rawBucket, prefix: QUARANTINE_PREFIX, actions: ['s3:GetObject', 's3:PutObject'] },
          // Fax-to-email: the faxed documents, where the OCR step reads them.
          ...(faxToEmail
            ? [{ bucket: rawBucket, prefix: `${FAX_PREFIX}email/`, actions: ['s3:PutObject' as const] }]
            : []),
        ],
        sendsTo: [this.inboundQueue, ...(faxToEmail ? [faxToEmail.jobQueue] : [])],
      },
    }).function;
    emailIngest.configureAsyncInvoke({ retryAttempts: 2 });
    this.emailIngest = emailIngest;

    // Explicit names: the bucket policy, key policy and Lambda permission name the rule by its ARN,
    // which must be known before the rule exists (SES tests the bucket write when the rule is created).
    const ruleSetName = sesName(`${stack.stackName}-inbound-mail`);
    this.ruleSetName = ruleSetName;
    const ruleName = 'desk-mail';
    this.receiptRuleArn = `arn:${stack.partition}:ses:${stack.region}:${stack.account}:receipt-rule-set/${ruleSetName}:receipt-rule/${ruleName}`;
    const fromThisRule = {
      StringEquals: { 'aws:SourceAccount': stack.account, 'aws:SourceArn': this.receiptRuleArn },
    };
    const emailObjects = rawBucket.arnForObjects(`${RAW_CONTENT.emailPrefix}*`);
    rawBucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'SesReceiptRuleWritesRawMail',
        principals: [new iam.ServicePrincipal('ses.amazonaws.com')],
        actions: ['s3:PutObject'],
        resources: [emailObjects],
        conditions: fromThisRule,
      }),
    );
    // S3 encrypts SES's PutObject under the bucket's default key on SES's behalf: SES needs a data key
    // (GenerateDataKey) and, for a multipart upload of a large message, Decrypt; only for this rule.
    // (The bucket's ARN cannot appear here: the bucket names this key, so the key cannot name it back.)
    dataKey.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'SesReceiptRuleWritesRawMail',
        principals: [new iam.ServicePrincipal('ses.amazonaws.com')],
        actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
        resources: ['*'],
        conditions: fromThisRule,
      }),
    );
    const invokePermission = new lambda.CfnPermission(this, 'SesInvokesIngest', {
      action: 'lambda:InvokeFunction',
      functionName: emailIngest.functionArn,
      principal: 'ses.amazonaws.com',
      sourceAccount: stack.account,
      sourceArn: this.receiptRuleArn,
    });

    this.ruleSet = new ses.ReceiptRuleSet(this, 'InboundMail', {
      receiptRuleSetName: ruleSetName,
      dropSpam: false,
    });
    this.receiptRule = this.ruleSet.addRule('DeskMail', {
      receiptRuleName: ruleName,
      enabled: true,
      recipients: props.recipients,
      scanEnabled: true,
      tlsPolicy: ses.TlsPolicy.REQUIRE,
      actions: [
        // No `kmsKey`: that makes SES encrypt client-side (S3 encryption client), which a plain
        // GetObject cannot read. The bucket's default SSE-KMS encrypts on the server instead.
        {
          bind: () => ({
            s3Action: { bucketName: rawBucket.bucketName, objectKeyPrefix: RAW_CONTENT.emailPrefix },
          }),
        },
        {
          bind: () => ({
            lambdaAction: { functionArn: emailIngest.functionArn, invocationType: 'Event' },
          }),
        },
      ],
    });
    // SES checks that it may write to the bucket and invoke the function when the rule is created.
    const bucketPolicy = rawBucket.policy;
    if (bucketPolicy) this.receiptRule.node.addDependency(bucketPolicy);
    this.receiptRule.node.addDependency(invokePermission, dataKey);

    const routeFunction = new RouterFunction(this, 'RouteInbound', {
      ...functionDefaults,
      label: DESK_METRICS.services.routeInbound,
      entry: path.join(handlers, 'routeInbound.ts'),
      description: 'Triage, route and record inbound messages as cases (SQS batch, partial failures)',
      timeout: Duration.seconds(INBOUND_QUEUE.routeFunctionTimeoutSeconds),
      triageModels: true,
      environment: {
        TABLE_NAME: table.tableName,
        DEAD_LETTER_QUEUE_URL: this.deadLetters.queueUrl,
        MAX_RECEIVE_COUNT: String(INBOUND_QUEUE.maxReceiveCount),
        DESK_FROM: props.deskFrom,
        ...(props.deskName === undefined ? {} : { DESK_NAME: props.deskName }),
      },
      access: {
        caseStore: {
          table,
          methods: [
            // recordInbound: thread lookup, a new case or a message joining one, a follow-up link.
            'findCaseIdByThread',
            // A bounce acts only on the case whose mail it returns.
            'findCaseIdByDeskMail',
            'createCase',
            'appendMessage',
            'getCaseRecord',
            'applyRevision',
            // The new case's acknowledgement, sent right after the commit (deliverNow).
            'claimOutboxEntry',
            'markOutboxEntrySent',
            'registerThreadKeys',
          ],
        },
        // A record that can never succeed is parked in the DLQ with its reason at once.
        sendsTo: [this.deadLetters],
        receivesFrom: [this.inboundQueue],
        sendsMailAs: [props.deskFrom],
      },
    });
    routeFunction.pollQueue('InboundQueue', this.inboundQueue, {
      batchSize: INBOUND_QUEUE.batchSize,
      maxConcurrency: routeMaxConcurrency,
    });
    const route = routeFunction.function;
    Validations.of(route).acknowledge({
      id: 'HIPAA.Security::HIPAA.Security-LambdaDLQ',
      reason: `SQS invokes this function synchronously; failed records are redriven to the inbound DLQ by the queue's redrive policy (maxReceiveCount ${INBOUND_QUEUE.maxReceiveCount}).`,
    });
    this.route = route;

    monitoring.watchDeadLetters(
      this.deadLetters,
      'inbound-dead-letters',
      'Inbound messages are in the DLQ, each with its failure reason: nothing was lost, but a person must look, then `npx contact-router dlq redrive`.',
    );
    monitoring.watchDeadLetters(
      this.ingestFailures,
      'email-ingest-failures',
      'SES receipts that email ingest could not process after 3 attempts: the raw mail is still in the bucket; fix the cause, then redrive.',
    );
    monitoring.watchBacklog(this.inboundQueue, 'inbound-backlog', props.inboundBacklogSeconds ?? 900);
    monitoring.watchQuarantine('email', DESK_METRICS.services.emailIngest);
  }
}
