import path from 'node:path';
import { Duration, RemovalPolicy, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpUserPoolAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as backup from 'aws-cdk-lib/aws-backup';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as events from 'aws-cdk-lib/aws-events';
import * as eventTargets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as ses from 'aws-cdk-lib/aws-ses';
import * as sesActions from 'aws-cdk-lib/aws-ses-actions';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { CASE_TABLE } from '../lambdas/adapters/dynamo/caseTableDefinition.js';
import { INBOUND_QUEUE, RAW_CONTENT } from '../lambdas/adapters/resourceDefinitions.js';
import { RouterFunction } from './constructs/RouterFunction.js';

const handlers = path.join(import.meta.dirname, '..', 'lambdas', 'handlers');

export interface RouterStackProps extends StackProps {
  /** Addresses SES receives for (the desk's inbound addresses); verified domains are set up outside this stack. */
  recipients: string[];
  /** Sender of supervisor notices (an SES-verified address or domain). */
  notifyFrom?: string;
  /** Place the functions in this VPC (with endpoints) where account policy demands it. */
  vpc?: ec2.IVpc;
  /** Reserved concurrency per function. */
  reservedConcurrency?: number;
  logRetention?: logs.RetentionDays;
  /** Keep PHI stores on stack deletion (default) or destroy them (sandboxes only). */
  removalPolicy?: RemovalPolicy;
}

/**
 * The contact router: SES inbound → raw mail in S3 → ingest → SQS → route → DynamoDB case table,
 * and the staff HTTP API behind a Cognito JWT authorizer.
 */
export class RouterStack extends Stack {
  readonly table: dynamodb.TableV2;
  readonly rawBucket: s3.Bucket;
  readonly inboundQueue: sqs.Queue;
  readonly api: apigw.HttpApi;

  constructor(scope: Construct, id: string, props: RouterStackProps) {
    super(scope, id, props);
    if (props.recipients.length === 0) {
      throw new Error(
        'RouterStack: `recipients` must list at least one inbound address (e.g. support@pharmacy.example)',
      );
    }
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const logRetention = props.logRetention ?? logs.RetentionDays.ONE_YEAR;
    const reservedConcurrency = props.reservedConcurrency ?? 50;

    // One customer-managed key for PHI at rest: table, raw mail, queues and logs.
    const dataKey = new kms.Key(this, 'DataKey', {
      description: 'contact-router: PHI at rest (cases, raw mail, queues, logs)',
      enableKeyRotation: true,
      removalPolicy,
    });
    dataKey.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchLogsEncrypt',
        principals: [new iam.ServicePrincipal(`logs.${this.region}.amazonaws.com`)],
        actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
        resources: ['*'],
        conditions: {
          ArnLike: {
            'kms:EncryptionContext:aws:logs:arn': `arn:${this.partition}:logs:${this.region}:${this.account}:*`,
          },
        },
      }),
    );
    dataKey.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'SesWritesRawMail',
        principals: [new iam.ServicePrincipal('ses.amazonaws.com')],
        actions: ['kms:GenerateDataKey*', 'kms:Encrypt'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': this.account } },
      }),
    );

    this.table = new dynamodb.TableV2(this, 'Cases', {
      partitionKey: { name: CASE_TABLE.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: CASE_TABLE.sortKey, type: dynamodb.AttributeType.STRING },
      billing: dynamodb.Billing.onDemand(),
      encryption: dynamodb.TableEncryptionV2.customerManagedKey(dataKey),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: removalPolicy === RemovalPolicy.RETAIN,
      timeToLiveAttribute: CASE_TABLE.timeToLiveAttribute,
      globalSecondaryIndexes: Object.values(CASE_TABLE.indexes).map((index) => ({
        indexName: index.name,
        partitionKey: { name: index.partitionKey, type: dynamodb.AttributeType.STRING },
        sortKey: { name: index.sortKey, type: dynamodb.AttributeType.STRING },
        projectionType: dynamodb.ProjectionType.ALL,
      })),
      removalPolicy,
    });
    // Daily backups kept 35 days, beside PITR: PHI must survive an operator mistake (HIPAA 164.308(a)(7)).
    const plan = backup.BackupPlan.daily35DayRetention(this, 'CaseBackups');
    const selection = plan.addSelection('CaseTable', {
      resources: [backup.BackupResource.fromArn(this.table.tableArn)],
    });
    Validations.of(selection).acknowledge({
      id: 'AwsSolutions::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup]',
      reason:
        'AWS Backup documents this managed service-role policy for backup jobs; it is assumable only by backup.amazonaws.com.',
    });

    const accessLogs = new s3.Bucket(this, 'AccessLogs', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      versioned: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
      lifecycleRules: [{ expiration: Duration.days(400) }],
      removalPolicy,
    });
    Validations.of(accessLogs).acknowledge(
      {
        id: 'AwsSolutions::AwsSolutions-S1',
        reason: 'This is the server access log bucket itself; logging it into itself would loop.',
      },
      {
        id: 'HIPAA.Security::HIPAA.Security-S3BucketLoggingEnabled',
        reason: 'This is the server access log bucket itself.',
      },
      {
        id: 'HIPAA.Security::HIPAA.Security-S3DefaultEncryptionKMS',
        reason: 'S3 server access logging delivers only to SSE-S3 buckets; logs hold no message content.',
      },
      {
        id: 'HIPAA.Security::HIPAA.Security-S3BucketReplicationEnabled',
        reason: 'Access logs are audit data kept 400 days in-region; replication is an account-level choice.',
      },
    );

    this.rawBucket = new s3.Bucket(this, 'RawContent', {
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: dataKey,
      bucketKeyEnabled: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      versioned: true,
      serverAccessLogsBucket: accessLogs,
      serverAccessLogsPrefix: 'raw-content/',
      removalPolicy,
    });
    Validations.of(this.rawBucket).acknowledge({
      id: 'HIPAA.Security::HIPAA.Security-S3BucketReplicationEnabled',
      reason:
        'Raw mail is versioned and KMS-encrypted in-region; cross-region replication of PHI is a per-deployment decision (data residency), not a default.',
    });

    const deadLetters = new sqs.Queue(this, 'InboundDeadLetters', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: dataKey,
      enforceSSL: true,
      retentionPeriod: Duration.days(INBOUND_QUEUE.deadLetterRetentionDays),
    });
    Validations.of(deadLetters).acknowledge({
      id: 'AwsSolutions::AwsSolutions-SQS3',
      reason: 'This queue is the dead-letter queue.',
    });
    this.inboundQueue = new sqs.Queue(this, 'Inbound', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: dataKey,
      enforceSSL: true,
      visibilityTimeout: Duration.seconds(INBOUND_QUEUE.visibilityTimeoutSeconds),
      deadLetterQueue: { queue: deadLetters, maxReceiveCount: INBOUND_QUEUE.maxReceiveCount },
    });
    // Operational alerts (DLQ depth, SLA escalations later): subscribe the on-call address outside the stack.
    const opsAlerts = new sns.Topic(this, 'OpsAlerts', { masterKey: dataKey, enforceSSL: true });
    const deadLettersWaiting = new cloudwatch.Alarm(this, 'DeadLettersWaiting', {
      alarmDescription:
        'Inbound messages are in the DLQ: each carries its failure reason; nothing was lost, but a person must look.',
      metric: deadLetters.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1) }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    deadLettersWaiting.addAlarmAction(new cloudwatchActions.SnsAction(opsAlerts));

    const common = {
      logKey: dataKey,
      logRetention,
      reservedConcurrency,
      ...(props.vpc ? { vpc: props.vpc } : {}),
    };

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
      ...common,
      entry: path.join(handlers, 'emailIngest.ts'),
      description: 'SES receipt: parse raw mail from S3 into an InboundMessage and queue it',
      timeout: Duration.seconds(60),
      memorySize: 1024,
      deadLetterQueue: ingestFailures,
      environment: {
        RAW_BUCKET: this.rawBucket.bucketName,
        RAW_EMAIL_PREFIX: RAW_CONTENT.emailPrefix,
        INBOUND_QUEUE_URL: this.inboundQueue.queueUrl,
      },
    }).function;
    emailIngest.configureAsyncInvoke({ retryAttempts: 2 });
    this.rawBucket.grantReadWrite(emailIngest, `${RAW_CONTENT.emailPrefix}*`);
    this.rawBucket.grantReadWrite(emailIngest, 'quarantine/*');
    this.rawBucket.grantDelete(emailIngest, `${RAW_CONTENT.emailPrefix}*`);
    this.inboundQueue.grantSendMessages(emailIngest);

    const ruleSet = new ses.ReceiptRuleSet(this, 'InboundMail', {
      dropSpam: false,
      rules: [
        {
          recipients: props.recipients,
          scanEnabled: true,
          tlsPolicy: ses.TlsPolicy.REQUIRE,
          actions: [
            new sesActions.S3({
              bucket: this.rawBucket,
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
      ...common,
      entry: path.join(handlers, 'routeInbound.ts'),
      description: 'Triage, route and record inbound messages as cases (SQS batch, partial failures)',
      timeout: Duration.seconds(INBOUND_QUEUE.routeFunctionTimeoutSeconds),
      environment: {
        TABLE_NAME: this.table.tableName,
        DEAD_LETTER_QUEUE_URL: deadLetters.queueUrl,
      },
    }).function;
    route.addEventSource(
      new SqsEventSource(this.inboundQueue, {
        batchSize: INBOUND_QUEUE.batchSize,
        reportBatchItemFailures: true,
        maxConcurrency: Math.max(2, Math.min(reservedConcurrency, 1000)),
      }),
    );
    this.table.grantReadWriteData(route);
    deadLetters.grantSendMessages(route);
    Validations.of(route).acknowledge({
      id: 'HIPAA.Security::HIPAA.Security-LambdaDLQ',
      reason:
        "SQS invokes this function synchronously; failed records are redriven to the inbound DLQ by the queue's redrive policy (maxReceiveCount 5).",
    });

    // The SLA sweeper: every minute, reads only due timers, fires each event once, mails supervisors.
    const notifyFrom = props.notifyFrom ?? 'sla-alerts@pharmacy.example';
    const notifyDomain = notifyFrom.split('@')[1] ?? notifyFrom;
    const slaSweeper = new RouterFunction(this, 'SlaSweeper', {
      ...common,
      // Overlapping runs are safe (conditional writes), but two are plenty.
      reservedConcurrency: 2,
      entry: path.join(handlers, 'slaSweeper.ts'),
      description: 'SLA timers: warnings, breaches, escalations and expired claims (every minute)',
      timeout: Duration.seconds(55),
      environment: { TABLE_NAME: this.table.tableName, NOTIFY_FROM: notifyFrom },
    }).function;
    this.table.grantReadWriteData(slaSweeper);
    slaSweeper.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['ses:SendEmail'],
        resources: [
          `arn:${this.partition}:ses:${this.region}:${this.account}:identity/${notifyDomain}`,
          `arn:${this.partition}:ses:${this.region}:${this.account}:identity/${notifyFrom}`,
        ],
      }),
    );
    new events.Rule(this, 'SweepEveryMinute', {
      description: 'Runs the SLA sweeper',
      schedule: events.Schedule.rate(Duration.minutes(1)),
      targets: [new eventTargets.LambdaFunction(slaSweeper, { retryAttempts: 0 })],
    });
    Validations.of(slaSweeper).acknowledge({
      id: 'HIPAA.Security::HIPAA.Security-LambdaDLQ',
      reason:
        'A failed sweep is not an event to keep: the next run a minute later reads the same due timers from the table (retryAttempts 0).',
    });

    const userPool = new cognito.UserPool(this, 'Staff', {
      selfSignUpEnabled: false,
      signInAliases: { email: true, username: true },
      mfa: cognito.Mfa.REQUIRED,
      mfaSecondFactor: { otp: true, sms: false },
      passwordPolicy: {
        minLength: 14,
        requireDigits: true,
        requireLowercase: true,
        requireUppercase: true,
        requireSymbols: true,
      },
      featurePlan: cognito.FeaturePlan.PLUS,
      standardThreatProtectionMode: cognito.StandardThreatProtectionMode.FULL_FUNCTION,
      accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
      removalPolicy,
    });
    const staffClient = userPool.addClient('StaffConsole', {
      authFlows: { userSrp: true },
      accessTokenValidity: Duration.hours(1),
      preventUserExistenceErrors: true,
    });

    const staffApi = new RouterFunction(this, 'StaffApi', {
      ...common,
      entry: path.join(handlers, 'staffApi.ts'),
      description: 'Staff HTTP API: queues, claim-next, cases',
      timeout: Duration.seconds(10),
      environment: { TABLE_NAME: this.table.tableName },
    }).function;
    this.table.grantReadWriteData(staffApi);
    Validations.of(staffApi).acknowledge({
      id: 'HIPAA.Security::HIPAA.Security-LambdaDLQ',
      reason:
        'API Gateway invokes this function synchronously; the caller gets the error, there is no event to dead-letter.',
    });

    const accessLogGroup = new logs.LogGroup(this, 'StaffApiAccessLogs', {
      retention: logRetention,
      encryptionKey: dataKey,
    });
    this.api = new apigw.HttpApi(this, 'StaffHttpApi', {
      description: 'contact-router staff API',
      createDefaultStage: false,
    });
    new apigw.HttpStage(this, 'StaffApiStage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      accessLogSettings: {
        destination: new apigw.LogGroupLogDestination(accessLogGroup),
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            routeKey: '$context.routeKey',
            status: '$context.status',
            latencyMs: '$context.responseLatency',
            staff: '$context.authorizer.claims.username',
          }),
        ),
      },
      throttle: { rateLimit: 50, burstLimit: 100 },
    });
    const authorizer = new HttpUserPoolAuthorizer('StaffJwt', userPool, { userPoolClients: [staffClient] });
    const integration = new HttpLambdaIntegration('StaffApiIntegration', staffApi);
    for (const [routePath, method] of [
      ['/queues', apigw.HttpMethod.GET],
      ['/queues/{queue}/claim', apigw.HttpMethod.POST],
      ['/cases/{id}', apigw.HttpMethod.GET],
      ['/cases/{id}/pend', apigw.HttpMethod.POST],
      ['/cases/{id}/resolve', apigw.HttpMethod.POST],
    ] as const) {
      this.api.addRoutes({ path: routePath, methods: [method], integration, authorizer });
    }

    const tableIndexes = `Resource::<${this.getLogicalId(this.table.node.defaultChild as dynamodb.CfnGlobalTable)}.Arn>/index/*`;
    for (const fn of [route, staffApi, slaSweeper]) {
      Validations.of(fn).acknowledge({
        id: `AwsSolutions::AwsSolutions-IAM5[${tableIndexes}]`,
        reason:
          "CDK's table grant covers the case table's own indexes (queueView, queueAge, timerView), which claim-next and the queue view query.",
      });
    }
    const rawBucketArn = `<${this.getLogicalId(this.rawBucket.node.defaultChild as s3.CfnBucket)}.Arn>`;
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
    void ruleSet;
  }
}
