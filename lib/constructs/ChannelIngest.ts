import path from 'node:path';
import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SnsEventSource, SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { RATE_LIMIT_TABLE } from '../../lambdas/adapters/ratelimit/DynamoRateLimiter.js';
import { FAX_OCR_QUEUE } from '../../lambdas/adapters/resourceDefinitions.js';
import { InvalidPropsError } from './InvalidPropsError.js';
import { reservedConcurrencyProblems } from './propChecks.js';
import { RouterFunction, type RouterFunctionDefaults } from './RouterFunction.js';

const handlers = path.join(import.meta.dirname, '..', '..', 'lambdas', 'handlers');

export interface ChannelIngestProps {
  /** The HTTP API the webhook routes join (no JWT: each Lambda verifies its sender). */
  httpApi: apigw.HttpApi;
  rawBucket: s3.IBucket;
  dataKey: kms.IKey;
  /** The queue every channel hands its canonical message to (the route function reads it). */
  inboundQueue: sqs.IQueue;
  /** Where the channels' alarms go (the stack's operational alerts). */
  alarmTopic: sns.ITopic;
  functionDefaults: RouterFunctionDefaults;
  /** The desk's own domains: a DMARC failure from one of them, or a look-alike, is possible spoofing. */
  deskDomains: string[];
  /** Addresses fax services mail received faxes to (fax-to-email). */
  faxEmailAddresses?: string[];
  /** The SES email ingest function: it learns the fax queue, the desk's domains and fax addresses. */
  emailIngest?: lambda.IFunction;
  removalPolicy?: RemovalPolicy;
}

/** The webhook routes, each with the function that answers it. */
const ROUTES = [
  ['/inbound/fax/{provider}', 'FaxIngest'],
  ['/inbound/chat', 'ChatIngest'],
  ['/inbound/form', 'FormIngest'],
] as const;

/**
 * Fax, web chat and the international form: webhook routes on the HTTP API (no JWT, the functions
 * verify provider signatures with secrets from Secrets Manager), an ingest function per channel
 * with its own DLQ and error alarm, the fax OCR step (Amazon Textract) as its own function behind
 * its own queue and DLQ, Amazon Connect chat streaming through an encrypted SNS topic, and the
 * form's rate-limit table.
 */
export class ChannelIngest extends Construct {
  readonly secret: secretsmanager.Secret;
  readonly faxOcrQueue: sqs.Queue;
  readonly faxOcrDeadLetters: sqs.Queue;
  readonly connectChatTopic: sns.Topic;
  readonly rateLimitTable: dynamodb.TableV2;
  readonly functions: Record<
    'faxIngest' | 'faxOcr' | 'chatIngest' | 'chatConnect' | 'formIngest',
    lambda.Function
  >;

  constructor(scope: Construct, id: string, props: ChannelIngestProps) {
    super(scope, id);
    InvalidPropsError.throwIfAny(`ChannelIngest ${this.node.path}`, [
      ...reservedConcurrencyProblems(
        'functionDefaults.reservedConcurrency',
        props.functionDefaults.reservedConcurrency,
      ),
      ...(props.deskDomains.length === 0
        ? ["`deskDomains` must list the desk's own domain (e.g. pharmacy.example); received []"]
        : []),
      ...props.deskDomains
        .filter((domain) => !/^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]*$/i.test(domain))
        .map((domain) => `\`deskDomains\` entries must be domains; received ${JSON.stringify(domain)}`),
    ]);
    const { dataKey, rawBucket, functionDefaults } = props;
    const { account } = Stack.of(this);
    const rawBucketArn = `<${Stack.of(this).getLogicalId(rawBucket.node.defaultChild as s3.CfnBucket)}.Arn>`;
    const encryptedQueue = (queueId: string, queueProps: sqs.QueueProps = {}) =>
      new sqs.Queue(this, queueId, {
        encryption: sqs.QueueEncryption.KMS,
        encryptionMasterKey: dataKey,
        enforceSSL: true,
        ...queueProps,
      });
    const alarm = (alarmId: string, description: string, metric: cloudwatch.IMetric) =>
      new cloudwatch.Alarm(this, alarmId, {
        alarmDescription: description,
        metric,
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }).addAlarmAction(new cloudwatchActions.SnsAction(props.alarmTopic));

    // One JSON secret: Telnyx public key, Phaxio callback token and URL, Sinch basic auth, chat widget keys.
    this.secret = new secretsmanager.Secret(this, 'ChannelSecrets', {
      description:
        'Fax provider and chat widget secrets (JSON: telnyxPublicKey, phaxioCallbackToken, phaxioCallbackUrl, sinchBasicAuth, chatWidgetSecrets)',
      encryptionKey: dataKey,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    Validations.of(this.secret).acknowledge(
      {
        id: 'AwsSolutions::AwsSolutions-SMG4',
        reason:
          "These are third-party credentials (Telnyx's public key, Phaxio's and Sinch's callback credentials, the widget's HMAC keys) issued and rotated at the provider; Secrets Manager cannot rotate them, and the widget accepts two keys during a manual rotation.",
      },
      {
        id: 'HIPAA.Security::HIPAA.Security-SecretsManagerRotationEnabled',
        reason:
          'Third-party credentials issued by the fax providers and the chat widget: rotated at the provider, then updated here (two widget keys are accepted during a rotation).',
      },
    );

    this.faxOcrDeadLetters = encryptedQueue('FaxOcrDeadLetters', {
      retentionPeriod: Duration.days(FAX_OCR_QUEUE.deadLetterRetentionDays),
    });
    Validations.of(this.faxOcrDeadLetters).acknowledge({
      id: 'AwsSolutions::AwsSolutions-SQS3',
      reason: 'This queue is the dead-letter queue of the fax OCR queue.',
    });
    this.faxOcrQueue = encryptedQueue('FaxOcrQueue', {
      visibilityTimeout: Duration.seconds(FAX_OCR_QUEUE.visibilityTimeoutSeconds),
      deadLetterQueue: { queue: this.faxOcrDeadLetters, maxReceiveCount: FAX_OCR_QUEUE.maxReceiveCount },
    });
    alarm(
      'FaxOcrDeadLettersWaiting',
      'A received fax could not be read and routed after 5 tries: its document is in the raw bucket; a person must look.',
      this.faxOcrDeadLetters.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1) }),
    );

    this.rateLimitTable = new dynamodb.TableV2(this, 'FormRateLimits', {
      partitionKey: { name: RATE_LIMIT_TABLE.partitionKey, type: dynamodb.AttributeType.STRING },
      billing: dynamodb.Billing.onDemand(),
      encryption: dynamodb.TableEncryptionV2.customerManagedKey(dataKey),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: RATE_LIMIT_TABLE.timeToLiveAttribute,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    Validations.of(this.rateLimitTable).acknowledge({
      id: 'HIPAA.Security::HIPAA.Security-DynamoDBInBackupPlan',
      reason:
        'Rate-limit counters hold hashed client addresses and form e-mails for at most two hours (TTL); losing them only resets the limits, so they are not backed up.',
    });

    this.connectChatTopic = new sns.Topic(this, 'ConnectChatStream', {
      masterKey: dataKey,
      enforceSSL: true,
      displayName: 'Amazon Connect chat message streaming (StartContactStreaming)',
    });
    this.connectChatTopic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'ConnectPublishesChatStreams',
        principals: [new iam.ServicePrincipal('connect.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.connectChatTopic.topicArn],
        conditions: { StringEquals: { 'aws:SourceAccount': account } },
      }),
    );

    // Connect publishes to the encrypted topic with its service principal: it needs the data key for that.
    dataKey.grant(new iam.ServicePrincipal('connect.amazonaws.com'), 'kms:GenerateDataKey*', 'kms:Decrypt');

    const ingestFunction = (
      functionId: string,
      entry: string,
      description: string,
      environment: Record<string, string>,
      options: { timeout?: Duration; memorySize?: number; sqsTriggered?: boolean } = {},
    ) => {
      // An SQS-triggered function's dead letters are its queue's redrive DLQ; the others get their own.
      const deadLetters = options.sqsTriggered
        ? undefined
        : encryptedQueue(`${functionId}Failures`, { retentionPeriod: Duration.days(14) });
      if (deadLetters) {
        Validations.of(deadLetters).acknowledge({
          id: 'AwsSolutions::AwsSolutions-SQS3',
          reason: `This queue is the ${functionId} function's dead-letter queue.`,
        });
      }
      const fn = new RouterFunction(this, functionId, {
        ...functionDefaults,
        entry: path.join(handlers, entry),
        description,
        timeout: options.timeout ?? Duration.seconds(29),
        ...(options.memorySize ? { memorySize: options.memorySize } : {}),
        ...(deadLetters ? { deadLetterQueue: deadLetters } : {}),
        environment,
      }).function;
      alarm(
        `${functionId}Errors`,
        `${functionId} failed (errors are answered 500 to the sender, who retries): look at its logs.`,
        fn.metricErrors({ period: Duration.minutes(1) }),
      );
      if (deadLetters) {
        alarm(
          `${functionId}DeadLettersWaiting`,
          `An asynchronous ${functionId} invocation failed after Lambda's retries.`,
          deadLetters.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1) }),
        );
      } else {
        Validations.of(fn).acknowledge({
          id: 'HIPAA.Security::HIPAA.Security-LambdaDLQ',
          reason: `SQS invokes ${functionId} synchronously; failed records are redriven to its queue's DLQ (maxReceiveCount ${FAX_OCR_QUEUE.maxReceiveCount}), which has its own alarm.`,
        });
      }
      return fn;
    };
    const common = { RAW_BUCKET: rawBucket.bucketName, INBOUND_QUEUE_URL: props.inboundQueue.queueUrl };

    const faxIngest = ingestFunction(
      'FaxIngest',
      'fax.ts',
      'Fax provider webhooks: verify, download the document, queue the OCR step',
      {
        RAW_BUCKET: rawBucket.bucketName,
        FAX_JOB_QUEUE_URL: this.faxOcrQueue.queueUrl,
        CHANNEL_SECRETS_ARN: this.secret.secretArn,
      },
    );
    rawBucket.grantReadWrite(faxIngest, 'fax/*');
    this.faxOcrQueue.grantSendMessages(faxIngest);
    this.secret.grantRead(faxIngest);

    const faxOcr = ingestFunction(
      'FaxOcr',
      'faxOcr.ts',
      'Fax OCR step: Amazon Textract (asynchronous), read the form, queue the message for routing',
      common,
      { timeout: Duration.seconds(FAX_OCR_QUEUE.ocrFunctionTimeoutSeconds), sqsTriggered: true },
    );
    faxOcr.addEventSource(
      new SqsEventSource(this.faxOcrQueue, {
        batchSize: FAX_OCR_QUEUE.batchSize,
        reportBatchItemFailures: true,
      }),
    );
    rawBucket.grantRead(faxOcr, 'fax/*');
    props.inboundQueue.grantSendMessages(faxOcr);
    faxOcr.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['textract:StartDocumentTextDetection', 'textract:GetDocumentTextDetection'],
        resources: ['*'],
      }),
    );

    const chatIngest = ingestFunction(
      'ChatIngest',
      'chat.ts',
      'Chat widget events: verify the HMAC, keep the raw event, queue the line',
      {
        ...common,
        CHANNEL_SECRETS_ARN: this.secret.secretArn,
      },
    );
    rawBucket.grantReadWrite(chatIngest, 'chat/*');
    props.inboundQueue.grantSendMessages(chatIngest);
    this.secret.grantRead(chatIngest);

    const chatConnect = ingestFunction(
      'ChatConnect',
      'chatConnect.ts',
      'Amazon Connect chat streaming (SNS): queue member and agent lines',
      common,
    );
    const subscriptionFailures = encryptedQueue('ChatConnectSubscriptionFailures', {
      retentionPeriod: Duration.days(14),
    });
    Validations.of(subscriptionFailures).acknowledge({
      id: 'AwsSolutions::AwsSolutions-SQS3',
      reason: 'This queue is the dead-letter queue of the Connect chat stream subscription.',
    });
    subscriptionFailures.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('sns.amazonaws.com')],
        actions: ['sqs:SendMessage'],
        resources: [subscriptionFailures.queueArn],
        conditions: { ArnEquals: { 'aws:SourceArn': this.connectChatTopic.topicArn } },
      }),
    );
    chatConnect.addEventSource(
      new SnsEventSource(this.connectChatTopic, { deadLetterQueue: subscriptionFailures }),
    );
    rawBucket.grantWrite(chatConnect, 'chat/*');
    props.inboundQueue.grantSendMessages(chatConnect);

    const formIngest = ingestFunction(
      'FormIngest',
      'form.ts',
      'International inquiry form: validate, rate-limit, queue',
      {
        ...common,
        RATE_LIMIT_TABLE_NAME: this.rateLimitTable.tableName,
      },
    );
    rawBucket.grantWrite(formIngest, 'form/*');
    rawBucket.grantWrite(formIngest, 'quarantine/form/*');
    props.inboundQueue.grantSendMessages(formIngest);
    this.rateLimitTable.grant(formIngest, 'dynamodb:UpdateItem');

    if (props.emailIngest instanceof lambda.Function) {
      props.emailIngest.addEnvironment('FAX_JOB_QUEUE_URL', this.faxOcrQueue.queueUrl);
      props.emailIngest.addEnvironment('DESK_DOMAINS', props.deskDomains.join(','));
      props.emailIngest.addEnvironment('FAX_EMAIL_ADDRESSES', (props.faxEmailAddresses ?? []).join(','));
      this.faxOcrQueue.grantSendMessages(props.emailIngest);
      rawBucket.grantWrite(props.emailIngest, 'fax/*');
      Validations.of(props.emailIngest).acknowledge({
        id: `AwsSolutions::AwsSolutions-IAM5[Resource::${rawBucketArn}/fax/*]`,
        reason: "Fax-to-email: ingest writes the mailed fax pages under the raw bucket's `fax/` prefix only.",
      });
    }

    // Webhooks on the HTTP API without a JWT authorizer: the senders are fax providers, the widget
    // backend and a public form. Each function authenticates what it can (signatures, basic auth)
    // and the form is rate-limited in the function.
    for (const [routePath, functionId] of ROUTES) {
      const fn = { FaxIngest: faxIngest, ChatIngest: chatIngest, FormIngest: formIngest }[functionId];
      const routes = props.httpApi.addRoutes({
        path: routePath,
        methods: [apigw.HttpMethod.POST],
        integration: new HttpLambdaIntegration(`${functionId}Integration`, fn),
      });
      for (const route of routes) {
        Validations.of(route).acknowledge({
          id: 'AwsSolutions::AwsSolutions-APIG4',
          reason:
            routePath === '/inbound/form'
              ? 'A public inquiry form for people without an account: validated, size-limited, rate-limited per address and e-mail, honeypot, in the function.'
              : 'Provider webhooks cannot carry our JWT: the function verifies the provider signature (Ed25519, HMAC) or basic auth with secrets from Secrets Manager and answers 401 otherwise.',
        });
      }
    }

    const prefixFinding = (fn: lambda.Function, prefix: string, actions: string[]) =>
      Validations.of(fn).acknowledge(
        {
          id: `AwsSolutions::AwsSolutions-IAM5[Resource::${rawBucketArn}/${prefix}/*]`,
          reason: `The function reads or writes the raw bucket under \`${prefix}/\` only.`,
        },
        ...actions.map((action) => ({
          id: `AwsSolutions::AwsSolutions-IAM5[Action::${action}]`,
          reason: `${action} comes from CDK's bucket grant, limited to the raw bucket's \`${prefix}/\` prefix.`,
        })),
      );
    const readWrite = ['s3:Abort*', 's3:DeleteObject*', 's3:GetBucket*', 's3:GetObject*', 's3:List*'];
    prefixFinding(faxIngest, 'fax', readWrite);
    prefixFinding(chatIngest, 'chat', readWrite);
    prefixFinding(faxOcr, 'fax', ['s3:GetBucket*', 's3:GetObject*', 's3:List*']);
    prefixFinding(chatConnect, 'chat', ['s3:Abort*', 's3:DeleteObject*']);
    prefixFinding(formIngest, 'form', ['s3:Abort*', 's3:DeleteObject*']);
    Validations.of(formIngest).acknowledge({
      id: `AwsSolutions::AwsSolutions-IAM5[Resource::${rawBucketArn}/quarantine/form/*]`,
      reason: "A honeypot submission is kept under the raw bucket's `quarantine/form/` prefix only.",
    });
    Validations.of(faxOcr).acknowledge({
      id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
      reason:
        "Textract text detection supports no resource-level permissions (Service Authorization Reference); X-Ray likewise. The document is read from the raw bucket with this role's fax/ read grant.",
    });
    this.functions = { faxIngest, faxOcr, chatIngest, chatConnect, formIngest };
  }
}
