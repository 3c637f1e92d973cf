import { Match, Template } from 'aws-cdk-lib/assertions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { beforeAll, describe, expect, it } from 'vitest';
import { INBOUND_QUEUE, RAW_CONTENT } from '../../../lambdas/adapters/resourceDefinitions.js';
import { InboundMailPipeline } from '../../../lib/constructs/InboundMailPipeline.js';
import { InvalidPropsError } from '../../../lib/constructs/InvalidPropsError.js';
import { roleActions, roleStatements, stackWithStores } from './testStack.js';

const RULE_ARN = {
  'Fn::Join': [
    '',
    [
      'arn:',
      { Ref: 'AWS::Partition' },
      ':ses:us-east-1:111111111111:receipt-rule-set/Test-inbound-mail:receipt-rule/desk-mail',
    ],
  ],
};

function pipeline(
  recipients: string[],
  options: {
    routeMaxConcurrency?: number;
    deskFrom?: string;
    faxToEmail?: boolean;
    reservedConcurrency?: number;
  } = {},
) {
  const { faxToEmail, deskFrom, reservedConcurrency, ...rest } = options;
  const { stack, stores, functionDefaults, monitoring } = stackWithStores(reservedConcurrency);
  new InboundMailPipeline(stack, 'Inbound', {
    recipients,
    deskFrom: deskFrom ?? 'support@desk.test',
    deskName: 'Member Services',
    dataKey: stores.dataKey,
    rawBucket: stores.rawBucket,
    table: stores.table,
    functionDefaults,
    monitoring,
    ...(faxToEmail
      ? { faxToEmail: { jobQueue: new sqs.Queue(stack, 'FaxJobs'), addresses: ['fax@desk.test'] } }
      : {}),
    ...rest,
  });
  return Template.fromStack(stack);
}

describe('InboundMailPipeline', () => {
  let template: Template;
  beforeAll(() => {
    template = pipeline(['support@desk.test', 'appeals@desk.test'], { faxToEmail: true });
  });

  describe('SES writes raw mail that ingest can read (finding 1)', () => {
    it('stores raw mail with a plain S3 action: no client-side KMS key, so GetObject returns the message', () => {
      template.hasResourceProperties('AWS::SES::ReceiptRule', {
        Rule: Match.objectLike({
          Actions: [
            {
              S3Action: {
                BucketName: Match.anyValue(),
                ObjectKeyPrefix: RAW_CONTENT.emailPrefix,
                KmsKeyArn: Match.absent(),
                TopicArn: Match.absent(),
              },
            },
            { LambdaAction: { FunctionArn: Match.anyValue(), InvocationType: 'Event' } },
          ],
        }),
      });
    });

    it('encrypts the raw bucket server-side by default with the data key', () => {
      template.hasResourceProperties('AWS::S3::Bucket', {
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [
            {
              BucketKeyEnabled: true,
              ServerSideEncryptionByDefault: {
                SSEAlgorithm: 'aws:kms',
                KMSMasterKeyID: { 'Fn::GetAtt': [Match.stringLikeRegexp('^StoresDataKey'), 'Arn'] },
              },
            },
          ],
        },
      });
    });

    it("names the rule set and rule so the grants can name the rule's ARN", () => {
      template.hasResourceProperties('AWS::SES::ReceiptRuleSet', { RuleSetName: 'Test-inbound-mail' });
      template.hasResourceProperties('AWS::SES::ReceiptRule', {
        RuleSetName: { Ref: Match.stringLikeRegexp('InboundMail') },
        Rule: Match.objectLike({ Name: 'desk-mail', Enabled: true }),
      });
    });

    it("lets SES put objects under email/ only for this account's receipt rule", () => {
      template.hasResourceProperties('AWS::S3::BucketPolicy', {
        PolicyDocument: {
          Statement: Match.arrayWith([
            {
              Sid: 'SesReceiptRuleWritesRawMail',
              Effect: 'Allow',
              Principal: { Service: 'ses.amazonaws.com' },
              Action: 's3:PutObject',
              Resource: {
                'Fn::Join': [
                  '',
                  [{ 'Fn::GetAtt': [Match.stringLikeRegexp('^StoresRawContent'), 'Arn'] }, '/email/*'],
                ],
              },
              Condition: { StringEquals: { 'aws:SourceAccount': '111111111111', 'aws:SourceArn': RULE_ARN } },
            },
          ]),
        },
      });
    });

    it("lets SES use the data key (through S3's default encryption) only for this account's receipt rule", () => {
      template.hasResourceProperties('AWS::KMS::Key', {
        KeyPolicy: {
          Statement: Match.arrayWith([
            {
              Sid: 'SesReceiptRuleWritesRawMail',
              Effect: 'Allow',
              Principal: { Service: 'ses.amazonaws.com' },
              Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
              Resource: '*',
              Condition: { StringEquals: { 'aws:SourceAccount': '111111111111', 'aws:SourceArn': RULE_ARN } },
            },
          ]),
        },
      });
    });

    it("lets SES invoke ingest only for this account's receipt rule", () => {
      template.hasResourceProperties('AWS::Lambda::Permission', {
        Action: 'lambda:InvokeFunction',
        Principal: 'ses.amazonaws.com',
        SourceAccount: '111111111111',
        SourceArn: RULE_ARN,
      });
      template.resourcePropertiesCountIs('AWS::Lambda::Permission', { Principal: 'ses.amazonaws.com' }, 1);
    });

    it('creates the rule after the bucket policy and the invoke permission (SES checks both on creation)', () => {
      const [rule] = Object.values(template.findResources('AWS::SES::ReceiptRule'));
      expect(rule?.DependsOn).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/^StoresRawContentPolicy/),
          expect.stringMatching(/SesInvokesIngest/),
        ]),
      );
    });

    it('requires TLS and scans for spam and viruses', () => {
      template.hasResourceProperties('AWS::SES::ReceiptRule', {
        Rule: Match.objectLike({
          Recipients: ['support@desk.test', 'appeals@desk.test'],
          ScanEnabled: true,
          TlsPolicy: 'Require',
        }),
      });
    });
  });

  describe('least privilege (finding 4)', () => {
    it('lets ingest read and delete raw mail, add attachments beside it, write and read quarantine, write faxed documents, and nothing else in S3', () => {
      const s3 = roleStatements(template, 'InboundEmailIngestRole').filter((statement) =>
        String(statement.Action).startsWith('s3:'),
      );

      expect(s3).toEqual([
        expect.objectContaining({
          Action: ['s3:DeleteObject', 's3:GetObject'],
          Resource: { 'Fn::Join': ['', [expect.anything(), '/email/*']] },
        }),
        expect.objectContaining({
          Action: 's3:PutObject',
          Resource: { 'Fn::Join': ['', [expect.anything(), '/email/*/attachments/*']] },
        }),
        expect.objectContaining({
          Action: ['s3:GetObject', 's3:PutObject'],
          Resource: { 'Fn::Join': ['', [expect.anything(), '/quarantine/*']] },
        }),
        expect.objectContaining({
          Action: 's3:PutObject',
          Resource: { 'Fn::Join': ['', [expect.anything(), '/fax/email/*']] },
        }),
      ]);
    });

    it('lets ingest send only to the inbound queue, the fax job queue (fax-to-email) and its failure queue', () => {
      const queues = roleStatements(template, 'InboundEmailIngestRole')
        .filter((statement) => String(statement.Action).startsWith('sqs:'))
        .flatMap((statement) => {
          expect(statement.Action).toBe('sqs:SendMessage');
          return [statement.Resource].flat();
        })
        .map((resource) => JSON.stringify(resource));

      expect(queues).toHaveLength(3);
      expect(queues).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/"Inbound[0-9A-F]{8}"/),
          expect.stringMatching(/"FaxJobs[0-9A-F]{8}"/),
          expect.stringMatching(/"InboundEmailIngestFailures/),
        ]),
      );
    });

    it('grants ingest no version deletes, no listing, no bucket-wide action and no table access', () => {
      const actions = roleActions(template, 'InboundEmailIngestRole');

      expect(actions.filter((action) => /DeleteObjectVersion|List|\*|dynamodb:/.test(action))).toEqual([]);
    });

    it('lets ingest and route use the data key only through S3, SQS and DynamoDB', () => {
      for (const role of ['InboundEmailIngestRole', 'InboundRouteInboundRole']) {
        const keyStatements = roleStatements(template, role).filter(
          (statement) => String(statement.Action).includes('kms:') && statement.Condition,
        );
        expect(keyStatements.length).toBeGreaterThan(0);
        for (const statement of keyStatements) {
          expect(statement.Condition?.StringEquals?.['kms:ViaService']).toMatch(
            /^(s3|sqs|dynamodb)\.us-east-1\.amazonaws\.com$/,
          );
        }
      }
    });

    it('gives route exactly the table calls of recording a message: no Scan, Query, DeleteItem or BatchWriteItem', () => {
      const dynamo = roleActions(template, 'InboundRouteInboundRole').filter((action) =>
        action.startsWith('dynamodb:'),
      );

      expect(dynamo).toEqual([
        'dynamodb:BatchGetItem',
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'dynamodb:TransactWriteItems',
        'dynamodb:UpdateItem',
      ]);
    });

    it("lets route send acknowledgements only as the desk's address, named in its environment", () => {
      template.hasResourceProperties('AWS::Lambda::Function', {
        Description: Match.stringLikeRegexp('^Triage, route'),
        Environment: {
          Variables: Match.objectLike({ DESK_FROM: 'support@desk.test', DESK_NAME: 'Member Services' }),
        },
      });
      const ses = roleStatements(template, 'InboundRouteInboundRole').filter((statement) =>
        JSON.stringify(statement.Action).includes('ses:'),
      );
      expect(ses).toHaveLength(1);
      expect(ses[0]?.Action).toEqual(['ses:SendEmail', 'ses:SendRawEmail']);
      expect(JSON.stringify(ses[0]?.Resource)).toMatch(
        /identity\/desk\.test"[\s\S]*identity\/support@desk\.test"/,
      );
    });

    it('lets the KMS-encrypted failure queue receive ingest failures (Lambda sends them with the role)', () => {
      const statements = roleStatements(template, 'InboundEmailIngestRole');
      expect(statements).toContainEqual(
        expect.objectContaining({
          Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
          Condition: { StringEquals: { 'kms:ViaService': 'sqs.us-east-1.amazonaws.com' } },
        }),
      );
    });
  });

  describe('queues and alarms (finding 2)', () => {
    it('encrypts the inbound queue with the data key and redrives it to a 14-day dead-letter queue', () => {
      template.hasResourceProperties('AWS::SQS::Queue', {
        KmsMasterKeyId: Match.anyValue(),
        VisibilityTimeout: INBOUND_QUEUE.visibilityTimeoutSeconds,
        RedrivePolicy: {
          deadLetterTargetArn: Match.anyValue(),
          maxReceiveCount: INBOUND_QUEUE.maxReceiveCount,
        },
      });
      template.hasResourceProperties('AWS::SQS::Queue', {
        KmsMasterKeyId: Match.anyValue(),
        MessageRetentionPeriod: INBOUND_QUEUE.deadLetterRetentionDays * 24 * 60 * 60,
      });
    });

    it.each([
      ['inbound-dead-letters', 'ApproximateNumberOfMessagesVisible', 1],
      ['email-ingest-failures', 'ApproximateNumberOfMessagesVisible', 1],
      ['inbound-backlog', 'ApproximateAgeOfOldestMessage', 900],
    ])('alarms the alarm topic on %s', (name, metric, threshold) => {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        AlarmName: `Test-${name}`,
        Namespace: 'AWS/SQS',
        MetricName: metric,
        Threshold: threshold,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        AlarmActions: [{ Ref: Match.stringLikeRegexp('^MonitoringAlarmTopic') }],
        OKActions: [{ Ref: Match.stringLikeRegexp('^MonitoringAlarmTopic') }],
      });
    });

    it('alarms on quarantined mail, from the metric email ingest emits', () => {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        AlarmName: 'Test-email-quarantined',
        Namespace: 'ContactRouter',
        MetricName: 'InboundQuarantined',
        Dimensions: Match.arrayWith([
          { Name: 'channel', Value: 'email' },
          { Name: 'service', Value: 'email-ingest' },
        ]),
        Statistic: 'Sum',
        Threshold: 1,
      });
    });
  });

  it('gives email ingest the raw bucket, the inbound queue, two async retries and a failure queue', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('^SES receipt'),
      MemorySize: 1024,
      Timeout: 60,
      DeadLetterConfig: {
        TargetArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('EmailIngestFailures'), 'Arn'] },
      },
      Environment: {
        Variables: Match.objectLike({
          RAW_BUCKET: Match.anyValue(),
          RAW_EMAIL_PREFIX: RAW_CONTENT.emailPrefix,
          INBOUND_QUEUE_URL: Match.anyValue(),
          DESK_DOMAINS: 'desk.test',
          FAX_JOB_QUEUE_URL: Match.anyValue(),
          FAX_EMAIL_ADDRESSES: 'fax@desk.test',
        }),
      },
    });
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', { MaximumRetryAttempts: 2 });
  });

  it('feeds the route function in batches with partial failures and a maximum concurrency', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      BatchSize: INBOUND_QUEUE.batchSize,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 5 },
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('^Triage, route'),
      Timeout: INBOUND_QUEUE.routeFunctionTimeoutSeconds,
      ReservedConcurrentExecutions: Match.absent(),
    });
  });

  it('never lets the queue run more route invocations at once than the function reserves', () => {
    // Above the reservation Lambda throttles the receives, and each throttled receive counts toward
    // maxReceiveCount: good messages would reach the DLQ.
    const reserved = pipeline(['support@desk.test'], { reservedConcurrency: 3 });

    reserved.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('^Triage, route'),
      ReservedConcurrentExecutions: 3,
    });
    reserved.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      BatchSize: INBOUND_QUEUE.batchSize,
      ScalingConfig: { MaximumConcurrency: 3 },
    });
    pipeline(['support@desk.test'], { reservedConcurrency: 50 }).hasResourceProperties(
      'AWS::Lambda::EventSourceMapping',
      { ScalingConfig: { MaximumConcurrency: 5 } },
    );
  });

  it('refuses a reservation below the SQS minimum of 2, and a routeMaxConcurrency above the reservation', () => {
    expect(() => pipeline(['support@desk.test'], { reservedConcurrency: 1 })).toThrow(
      /`reservedConcurrency` must be at least 2 for a function an SQS queue invokes[\s\S]*received 1/,
    );
    expect(() =>
      pipeline(['support@desk.test'], { reservedConcurrency: 3, routeMaxConcurrency: 10 }),
    ).toThrow(/`routeMaxConcurrency` \(10\) must not exceed `reservedConcurrency` \(3\)/);
  });

  it('reports every invalid prop in one error', () => {
    const build = () => pipeline([], { routeMaxConcurrency: 1, deskFrom: 'desk.test' });

    expect(build).toThrow(InvalidPropsError);
    expect(build).toThrow(/recipients[\s\S]*deskFrom[\s\S]*routeMaxConcurrency/);
  });

  it('rejects a recipient that is neither an address nor a domain', () => {
    expect(() => pipeline(['support@desk.test', 'not an address'])).toThrow(/"not an address"/);
  });

  it('accepts domains and subdomain wildcards as SES recipients', () => {
    expect(() => pipeline(['desk.test', '.desk.test'])).not.toThrow();
  });
});
