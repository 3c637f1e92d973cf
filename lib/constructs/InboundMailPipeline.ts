import path from 'node:path';
import { Duration, Stack, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as ses from 'aws-cdk-lib/aws-ses';
import * as sesActions from 'aws-cdk-lib/aws-ses-actions';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { INBOUND_QUEUE, RAW_CONTENT } from '../../lambdas/adapters/resourceDefinitions.js';
import { acknowledgeTableIndexGrant } from './acknowledgeTableIndexGrant.js';
import { InvalidPropsError } from './InvalidPropsError.js';
import { recipientsProblems, reservedConcurrencyProblems } from './propChecks.js';
import { RouterFunction, type RouterFunctionDefaults } from './RouterFunction.js';

const handlers = path.join(import.meta.dirname, '..', '..', 'lambdas', 'handlers');

export interface InboundMailPipelineProps {
  /** Addresses (or domains) the SES receipt rule accepts mail for. */
  recipients: string[];
  /** Encrypts the queues, the ops topic and the raw mail SES writes. */
  dataKey: kms.IKey;
  /** Where SES stores raw mail (under `email/`) and ingest quarantines what it cannot parse. */
  rawBucket: s3.Bucket;
  /** The case table the route function writes. */
  table: dynamodb.TableV2;
  functionDefaults: RouterFunctionDefaults;
}

/**
 * SES inbound → raw mail in S3 → email ingest → inbound queue (DLQ, alarm to the ops topic) → route
 * function → case table.
 */
export class InboundMailPipeline extends Construct {
  readonly deadLetters: sqs.Queue;
  readonly inboundQueue: sqs.Queue;
  /** Operational alerts (DLQ depth, SLA escalations later): subscribe the on-call address outside the stack. */
  readonly opsAlerts: sns.Topic;
  readonly emailIngest: lambda.IFunction;
  readonly ruleSet: ses.ReceiptRuleSet;
  readonly route: lambda.IFunction;

  constructor(scope: Construct, id: string, props: InboundMailPipelineProps) {
    super(scope, id);
    InvalidPropsError.throwIfAny(`InboundMailPipeline ${this.node.path}`, [
      ...recipientsProblems(props.recipients),
      ...reservedConcurrencyProblems(
        'functionDefaults.reservedConcurrency',
        props.functionDefaults.reservedConcurrency,
      ),
    ]);
    const { dataKey, rawBucket, table, functionDefaults } = props;

    this.deadLetters = new sqs.Queue(this, 'InboundDeadLetters', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: dataKey,
      enforceSSL: true,
      retentionPeriod: Duration.days(INBOUND_QUEUE.deadLetterRetentionDays),
    });
    Validations.of(this.deadLetters).acknowledge({
      id: 'AwsSolutions::AwsSolutions-SQS3',
      reason: 'This queue is the dead-letter queue.',
    });
    this.inboundQueue = new sqs.Queue(this, 'Inbound', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: dataKey,
      enforceSSL: true,
      visibilityTimeout: Duration.seconds(INBOUND_QUEUE.visibilityTimeoutSeconds),
      deadLetterQueue: { queue: this.deadLetters, maxReceiveCount: INBOUND_QUEUE.maxReceiveCount },
    });
    this.opsAlerts = new sns.Topic(this, 'OpsAlerts', { masterKey: dataKey, enforceSSL: true });
    const deadLettersWaiting = new cloudwatch.Alarm(this, 'DeadLettersWaiting', {
      alarmDescription:
        'Inbound messages are in the DLQ: each carries its failure reason; nothing was lost, but a person must look.',
      metric: this.deadLetters.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1) }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    deadLettersWaiting.addAlarmAction(new cloudwatchActions.SnsAction(this.opsAlerts));

    // Email ingest: SES invokes it asynchronously; failures after Lambda's retries land in a queue.
    const ingestFailures = new sqs.Queue(this, 'EmailIngestFailures', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: dataKey,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(ingestFailures).acknowledge({
      id: 'AwsSolutions::AwsSolutions-SQS3',
      reason: "This queue is the email ingest function's failure destination.",
    });
    const emailIngest = new RouterFunction(this, 'EmailIngest', {
      ...functionDefaults,
      entry: path.join(handlers, 'emailIngest.ts'),
      description: 'SES receipt: parse raw mail from S3 into an InboundMessage and queue it',
      timeout: Duration.seconds(60),
      memorySize: 1024,
      deadLetterQueue: ingestFailures,
      environment: {
        RAW_BUCKET: rawBucket.bucketName,
        RAW_EMAIL_PREFIX: RAW_CONTENT.emailPrefix,
        INBOUND_QUEUE_URL: this.inboundQueue.queueUrl,
      },
    }).function;
    emailIngest.configureAsyncInvoke({ retryAttempts: 2 });
    rawBucket.grantReadWrite(emailIngest, `${RAW_CONTENT.emailPrefix}*`);
    rawBucket.grantReadWrite(emailIngest, 'quarantine/*');
    rawBucket.grantDelete(emailIngest, `${RAW_CONTENT.emailPrefix}*`);
    this.inboundQueue.grantSendMessages(emailIngest);
    const rawBucketArn = `<${Stack.of(this).getLogicalId(rawBucket.node.defaultChild as s3.CfnBucket)}.Arn>`;
    Validations.of(emailIngest).acknowledge(
      ...['email', 'quarantine'].map((prefix) => ({
        id: `AwsSolutions::AwsSolutions-IAM5[Resource::${rawBucketArn}/${prefix}/*]`,
        reason: `Ingest reads and moves raw mail under the raw bucket's \`${prefix}/\` prefix only.`,
      })),
      ...['s3:Abort*', 's3:DeleteObject*', 's3:GetBucket*', 's3:GetObject*', 's3:List*'].map((action) => ({
        id: `AwsSolutions::AwsSolutions-IAM5[Action::${action}]`,
        reason: `${action} comes from CDK's bucket grant, limited to the raw bucket's email/ and quarantine/ prefixes.`,
      })),
    );
    this.emailIngest = emailIngest;

    this.ruleSet = new ses.ReceiptRuleSet(this, 'InboundMail', {
      dropSpam: false,
      rules: [
        {
          recipients: props.recipients,
          scanEnabled: true,
          tlsPolicy: ses.TlsPolicy.REQUIRE,
          actions: [
            new sesActions.S3({
              bucket: rawBucket,
              objectKeyPrefix: RAW_CONTENT.emailPrefix,
              kmsKey: dataKey,
            }),
            new sesActions.Lambda({
              function: emailIngest,
              invocationType: sesActions.LambdaInvocationType.EVENT,
            }),
          ],
        },
      ],
    });

    const route = new RouterFunction(this, 'RouteInbound', {
      ...functionDefaults,
      entry: path.join(handlers, 'routeInbound.ts'),
      description: 'Triage, route and record inbound messages as cases (SQS batch, partial failures)',
      timeout: Duration.seconds(INBOUND_QUEUE.routeFunctionTimeoutSeconds),
      environment: {
        TABLE_NAME: table.tableName,
        DEAD_LETTER_QUEUE_URL: this.deadLetters.queueUrl,
      },
    }).function;
    route.addEventSource(
      new SqsEventSource(this.inboundQueue, {
        batchSize: INBOUND_QUEUE.batchSize,
        reportBatchItemFailures: true,
        maxConcurrency: Math.max(2, Math.min(functionDefaults.reservedConcurrency, 1000)),
      }),
    );
    table.grantReadWriteData(route);
    this.deadLetters.grantSendMessages(route);
    Validations.of(route).acknowledge({
      id: 'HIPAA.Security::HIPAA.Security-LambdaDLQ',
      reason:
        "SQS invokes this function synchronously; failed records are redriven to the inbound DLQ by the queue's redrive policy (maxReceiveCount 5).",
    });
    acknowledgeTableIndexGrant(route, table);
    this.route = route;
  }
}
