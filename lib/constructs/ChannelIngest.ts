import path from 'node:path';
import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { SnsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { DESK_METRICS } from '../../lambdas/adapters/metrics/deskMetricNames.js';
import { RATE_LIMIT_TABLE } from '../../lambdas/adapters/ratelimit/DynamoRateLimiter.js';
import { FAX_OCR_QUEUE } from '../../lambdas/adapters/resourceDefinitions.js';
import { CHAT_PREFIX } from '../../lambdas/domain/ingest/acceptChat.js';
import { QUARANTINE_PREFIX } from '../../lambdas/domain/ingest/acceptEmail.js';
import { FAX_PREFIX } from '../../lambdas/domain/ingest/acceptFax.js';
import { FORM_PREFIX } from '../../lambdas/domain/ingest/acceptForm.js';
import type { DeskMonitoring } from './DeskMonitoring.js';
import type { FunctionAccess } from './functionAccess.js';
import { RouterFunction, type RouterFunctionDefaults } from './RouterFunction.js';

const handlers = path.join(import.meta.dirname, '..', '..', 'lambdas', 'handlers');

/** The channel functions' names on alarms and the dashboard (and their loggers' service names). */
export const CHANNEL_FUNCTIONS = {
  faxIngest: DESK_METRICS.services.faxIngest,
  faxOcr: 'fax-ocr',
  chatIngest: DESK_METRICS.services.chatIngest,
  chatConnect: DESK_METRICS.services.chatConnect,
  formIngest: DESK_METRICS.services.formIngest,
} as const;

export interface ChannelIngestProps {
  /** The HTTP API the webhook routes join (no JWT: each function authenticates its sender). */
  httpApi: apigw.HttpApi;
  rawBucket: s3.IBucket;
  /** Encrypts the secret, the rate-limit table, the chat stream topic and the failure queues. */
  dataKey: kms.IKey;
  /** The queue every channel hands its canonical message to (the route function reads it). */
  inboundQueue: sqs.IQueue;
  /** The fax jobs the webhook writes and the OCR step reads (fax-to-email writes them too). */
  faxJobs: sqs.IQueue;
  functionDefaults: RouterFunctionDefaults;
  /** Errors and throttles of every channel function, and each failure queue. */
  monitoring: DeskMonitoring;
  removalPolicy?: RemovalPolicy;
}

/** The webhook routes, each with the function that answers it. */
const ROUTES = [
  ['/inbound/fax/{provider}', 'faxIngest'],
  ['/inbound/chat', 'chatIngest'],
  ['/inbound/form', 'formIngest'],
] as const;

/** Why a webhook route has no JWT authorizer: who calls it, and how the function knows them. */
const UNAUTHORIZED_ROUTE_REASONS: Record<(typeof ROUTES)[number][1], string> = {
  faxIngest:
    'Fax providers (Telnyx, Phaxio, Sinch) call this webhook and cannot present a Cognito JWT; the function verifies each request as its provider signs it (Telnyx Ed25519 over timestamp and body with a 300 s tolerance, Phaxio HMAC-SHA1, Sinch basic auth) with keys from Secrets Manager and answers 401 before anything is stored.',
  chatIngest:
    "The desk's chat widget backend calls this webhook; the function verifies the HMAC signature and timestamp of every event with the widget keys from Secrets Manager and answers 401 before anything is stored.",
  formIngest:
    'A public inquiry form for people without an account cannot carry a staff JWT; the function validates every field with a size limit, rate-limits per client address and per e-mail in its own table, and quarantines honeypot submissions.',
};

/**
 * Fax, web chat and the international form in AWS: webhook routes on the HTTP API (no JWT, each
 * function verifies its sender with secrets from Secrets Manager), an ingest function per channel,
 * the fax OCR step (Amazon Textract) as its own function on the fax job queue, Amazon Connect chat
 * streaming through an encrypted SNS topic, and the form's rate-limit table. Every function's
 * grants come from its access declaration; every function and failure queue is alarmed.
 */
export class ChannelIngest extends Construct {
  readonly secret: secretsmanager.Secret;
  /** The HMAC key of the form limiter's digests. */
  readonly formLimiterKey: secretsmanager.Secret;
  readonly connectChatTopic: sns.Topic;
  readonly rateLimitTable: dynamodb.TableV2;
  readonly functions: Record<keyof typeof CHANNEL_FUNCTIONS, lambda.IFunction>;

  constructor(scope: Construct, id: string, props: ChannelIngestProps) {
    super(scope, id);
    const { dataKey, rawBucket, inboundQueue, faxJobs, functionDefaults, monitoring } = props;
    const stack = Stack.of(this);
    const { account } = stack;
    const encryptedQueue = (queueId: string, what: string) => {
      const queue = new sqs.Queue(this, queueId, {
        encryption: sqs.QueueEncryption.KMS,
        encryptionMasterKey: dataKey,
        enforceSSL: true,
        retentionPeriod: Duration.days(14),
      });
      Validations.of(queue).acknowledge({
        id: 'AwsSolutions::AwsSolutions-SQS3',
        reason: `This queue is itself a dead-letter queue: ${what}.`,
      });
      return queue;
    };

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

    // The key of the form limiter's digests (HMAC): without it, the table's keys cannot be reversed by
    // trying every IPv4 address. Generated here, never seen by anyone; read once per cold start.
    this.formLimiterKey = new secretsmanager.Secret(this, 'FormLimiterKey', {
      description: 'HMAC key of the international form rate limiter (generated; not a credential)',
      encryptionKey: dataKey,
      generateSecretString: { passwordLength: 64, excludePunctuation: true, includeSpace: false },
      removalPolicy: RemovalPolicy.DESTROY,
    });
    Validations.of(this.formLimiterKey).acknowledge(
      {
        id: 'AwsSolutions::AwsSolutions-SMG4',
        reason:
          'A generated HMAC key for rate-limit digests that live at most two hours, not a credential: a new key only resets the limits, so it is replaced by regenerating the secret (put-secret-value, or a redeploy of a new secret) rather than by a rotation Lambda.',
      },
      {
        id: 'HIPAA.Security::HIPAA.Security-SecretsManagerRotationEnabled',
        reason:
          'A generated HMAC key for rate-limit digests kept at most two hours, not a credential: replacing it only resets the limits, so no rotation function is kept for it.',
      },
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
        'Rate-limit counters hold hashed client addresses and form e-mails for at most two windows (TTL); losing them only resets the limits, so they are not backed up.',
    });

    // Named, so the key policy below can name its ARN without a reference (the topic uses the key:
    // a reference back would be a cycle).
    const connectTopicName = `${stack.stackName}-connect-chat-stream`.slice(0, 256);
    const connectTopicArn = `arn:${stack.partition}:sns:${stack.region}:${stack.account}:${connectTopicName}`;
    this.connectChatTopic = new sns.Topic(this, 'ConnectChatStream', {
      topicName: connectTopicName,
      masterKey: dataKey,
      enforceSSL: true,
      displayName: 'Amazon Connect chat message streaming (StartContactStreaming)',
    });
    const fromThisAccount = { StringEquals: { 'aws:SourceAccount': account } };
    this.connectChatTopic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'ConnectPublishesChatStreams',
        principals: [new iam.ServicePrincipal('connect.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.connectChatTopic.topicArn],
        conditions: fromThisAccount,
      }),
    );
    // Connect publishes to the encrypted topic as its service principal, so it needs a data key for
    // each message (SNS developer guide, "Key management": publishers of an SSE topic).
    dataKey.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'ConnectPublishesChatStreams',
        principals: [new iam.ServicePrincipal('connect.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: fromThisAccount,
      }),
    );

    const channelFunction = (
      functionId: string,
      label: string,
      entry: string,
      description: string,
      environment: Record<string, string>,
      access: FunctionAccess,
      options: {
        timeout?: Duration;
        deadLetterQueue?: sqs.IQueue;
        callsOutsideAws?: string;
        /** The queue an SQS event source mapping feeds the function from. */
        polls?: { id: string; queue: sqs.IQueue; batchSize: number; maxConcurrency: number };
      } = {},
    ) => {
      const fn = new RouterFunction(this, functionId, {
        ...functionDefaults,
        monitoring,
        label,
        entry: path.join(handlers, entry),
        description,
        timeout: options.timeout ?? Duration.seconds(29),
        ...(options.deadLetterQueue ? { deadLetterQueue: options.deadLetterQueue } : {}),
        ...(options.callsOutsideAws ? { callsOutsideAws: options.callsOutsideAws } : {}),
        environment,
        access,
      });
      if (options.polls) fn.pollQueue(options.polls.id, options.polls.queue, options.polls);
      return fn.function;
    };
    const toRouting = { RAW_BUCKET: rawBucket.bucketName, INBOUND_QUEUE_URL: inboundQueue.queueUrl };
    const synchronous = (fn: lambda.IFunction, caller: string) =>
      Validations.of(fn).acknowledge({
        id: 'HIPAA.Security::HIPAA.Security-LambdaDLQ',
        reason: `${caller} invokes this function synchronously and gets its error; a Lambda dead-letter queue only ever receives asynchronous invocations, so it would stay empty.`,
      });

    const faxIngest = channelFunction(
      'FaxIngest',
      CHANNEL_FUNCTIONS.faxIngest,
      'fax.ts',
      'Fax provider webhooks: verify, download the document, queue the OCR step',
      {
        RAW_BUCKET: rawBucket.bucketName,
        FAX_JOB_QUEUE_URL: faxJobs.queueUrl,
        CHANNEL_SECRETS_ARN: this.secret.secretArn,
      },
      {
        // The receipt is read first (a redelivered fax id is answered as a duplicate), then the
        // document and the receipt are written.
        objects: [
          {
            bucket: rawBucket,
            prefix: FAX_PREFIX,
            actions: ['s3:GetObject', 's3:PutObject'],
            readsMissingKeys: true,
          },
        ],
        sendsTo: [faxJobs],
        readsSecrets: [this.secret],
      },
      { callsOutsideAws: "downloads the fax document from the provider's HTTPS media URL" },
    );
    synchronous(faxIngest, 'API Gateway (the fax provider retries on a 5xx)');

    const faxOcr = channelFunction(
      'FaxOcr',
      CHANNEL_FUNCTIONS.faxOcr,
      'faxOcr.ts',
      'Fax OCR step: Amazon Textract (asynchronous), read the form, queue the message for routing',
      toRouting,
      {
        // Textract reads the document with this role's permissions; the function reads it too, to
        // store an image of each page beside it for the case view.
        objects: [
          { bucket: rawBucket, prefix: FAX_PREFIX, actions: ['s3:GetObject'] },
          { bucket: rawBucket, prefix: `${FAX_PREFIX}*/pages/`, actions: ['s3:PutObject'] },
        ],
        detectsDocumentText: true,
        sendsTo: [inboundQueue],
        receivesFrom: [faxJobs],
      },
      {
        timeout: Duration.seconds(FAX_OCR_QUEUE.ocrFunctionTimeoutSeconds),
        polls: {
          id: 'FaxJobs',
          queue: faxJobs,
          batchSize: FAX_OCR_QUEUE.batchSize,
          maxConcurrency: FAX_OCR_QUEUE.maxConcurrency,
        },
      },
    );
    Validations.of(faxOcr).acknowledge({
      id: 'HIPAA.Security::HIPAA.Security-LambdaDLQ',
      reason: `SQS invokes this function synchronously; a failed fax job is redriven to the fax job queue's dead-letter queue (maxReceiveCount ${FAX_OCR_QUEUE.maxReceiveCount}), which has its own alarm.`,
    });

    const chatIngest = channelFunction(
      'ChatIngest',
      CHANNEL_FUNCTIONS.chatIngest,
      'chat.ts',
      'Chat widget events: verify the HMAC, keep the raw event, queue the line',
      { ...toRouting, CHANNEL_SECRETS_ARN: this.secret.secretArn },
      {
        // An event already kept is a duplicate; the conversation's start record names the member.
        objects: [
          {
            bucket: rawBucket,
            prefix: `${CHAT_PREFIX}widget/`,
            actions: ['s3:GetObject', 's3:PutObject'],
            readsMissingKeys: true,
          },
        ],
        sendsTo: [inboundQueue],
        readsSecrets: [this.secret],
      },
    );
    synchronous(chatIngest, 'API Gateway (the widget backend retries on a 5xx)');

    // SNS invokes the Connect function asynchronously: Lambda retries twice, then keeps the event here.
    const chatConnectFailures = encryptedQueue(
      'ChatConnectFailures',
      'Connect chat items the function failed on after Lambda retried',
    );
    const chatConnect = channelFunction(
      'ChatConnect',
      CHANNEL_FUNCTIONS.chatConnect,
      'chatConnect.ts',
      'Amazon Connect chat streaming (SNS): queue member and agent lines',
      toRouting,
      {
        objects: [{ bucket: rawBucket, prefix: `${CHAT_PREFIX}connect/`, actions: ['s3:PutObject'] }],
        sendsTo: [inboundQueue],
      },
      { deadLetterQueue: chatConnectFailures },
    );
    // Items SNS could not deliver to the function at all (after its delivery retries).
    const subscriptionFailures = encryptedQueue(
      'ChatConnectSubscriptionFailures',
      'Connect chat items SNS could not deliver to the function',
    );
    chatConnect.addEventSource(
      new SnsEventSource(this.connectChatTopic, { deadLetterQueue: subscriptionFailures }),
    );
    // SNS sends to the encrypted dead-letter queue as its service principal, for this topic only.
    dataKey.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'SnsDeadLettersConnectChatItems',
        principals: [new iam.ServicePrincipal('sns.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: ['*'],
        conditions: { ArnEquals: { 'aws:SourceArn': connectTopicArn } },
      }),
    );

    const formIngest = channelFunction(
      'FormIngest',
      CHANNEL_FUNCTIONS.formIngest,
      'form.ts',
      'International inquiry form: validate, rate-limit, queue',
      {
        ...toRouting,
        RATE_LIMIT_TABLE_NAME: this.rateLimitTable.tableName,
        FORM_LIMITER_KEY_ARN: this.formLimiterKey.secretArn,
      },
      {
        objects: [
          // Created only where none exists (If-None-Match); read back when a submissionId comes again.
          { bucket: rawBucket, prefix: FORM_PREFIX, actions: ['s3:GetObject', 's3:PutObject'] },
          // A honeypot submission is kept, with its reason, where a person can look.
          { bucket: rawBucket, prefix: `${QUARANTINE_PREFIX}${FORM_PREFIX}`, actions: ['s3:PutObject'] },
        ],
        sendsTo: [inboundQueue],
        countsIn: [this.rateLimitTable],
        readsSecrets: [this.formLimiterKey],
      },
    );
    synchronous(formIngest, 'API Gateway (the browser shows the error)');

    monitoring.watchDeadLetters(
      chatConnectFailures,
      'chat-connect-failures',
      'Amazon Connect chat items the function failed on after Lambda retried them: each is kept with its error; a person must look, then redrive.',
    );
    monitoring.watchDeadLetters(
      subscriptionFailures,
      'chat-connect-subscription-failures',
      'Amazon Connect chat items SNS could not deliver to the function: a person must look, then redrive.',
    );

    monitoring.watchUnauthorized('fax', CHANNEL_FUNCTIONS.faxIngest);
    monitoring.watchUnauthorized('chat', CHANNEL_FUNCTIONS.chatIngest);

    // Webhooks on the HTTP API without a JWT authorizer: the senders are fax providers, the widget
    // backend and a public form, none of which holds a staff token. Each function authenticates what
    // it can; the stage's throttle bounds the rest.
    const functions = { faxIngest, chatIngest, formIngest };
    for (const [routePath, key] of ROUTES) {
      const routes = props.httpApi.addRoutes({
        path: routePath,
        methods: [apigw.HttpMethod.POST],
        integration: new HttpLambdaIntegration(`${key}Integration`, functions[key]),
      });
      for (const route of routes) {
        Validations.of(route).acknowledge({
          id: 'AwsSolutions::AwsSolutions-APIG4',
          reason: UNAUTHORIZED_ROUTE_REASONS[key],
        });
      }
    }
    this.functions = { faxIngest, faxOcr, chatIngest, chatConnect, formIngest };
  }
}
