import { App, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks, HIPAASecurityChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { CASE_TABLE } from '../../../lambdas/adapters/dynamo/caseTableDefinition.js';
import { INBOUND_QUEUE } from '../../../lambdas/adapters/resourceDefinitions.js';
import { InvalidPropsError } from '../../../lib/constructs/InvalidPropsError.js';
import { RouterStack } from '../../../lib/RouterStack.js';

const env = { account: '111111111111', region: 'us-east-1' };

function synthesize(withNag = false) {
  // Skip esbuild bundling: these tests read the template, not the code.
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  if (withNag) {
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new HIPAASecurityChecks(app));
  }
  const stack = new RouterStack(app, 'Test', { env, recipients: ['support@pharmacy.example'] });
  return { app, stack };
}

describe('RouterStack', () => {
  let template: Template;
  beforeAll(() => {
    template = Template.fromStack(synthesize().stack);
  });

  it('creates the case table from the shared definition with PITR and a customer-managed key', () => {
    template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      KeySchema: [
        { AttributeName: CASE_TABLE.partitionKey, KeyType: 'HASH' },
        { AttributeName: CASE_TABLE.sortKey, KeyType: 'RANGE' },
      ],
      SSESpecification: Match.objectLike({ SSEEnabled: true, SSEType: 'KMS' }),
      Replicas: [
        Match.objectLike({ PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } }),
      ],
      GlobalSecondaryIndexes: Object.values(CASE_TABLE.indexes).map((index) =>
        Match.objectLike({ IndexName: index.name, Projection: { ProjectionType: 'ALL' } }),
      ),
    });
  });

  it('backs the case table up daily', () => {
    template.resourceCountIs('AWS::Backup::BackupPlan', 1);
    template.hasResourceProperties('AWS::Backup::BackupSelection', {
      BackupSelection: Match.objectLike({ Resources: [Match.anyValue()] }),
    });
  });

  it('redrives inbound messages to a dead-letter queue after the shared receive count', () => {
    template.hasResourceProperties('AWS::SQS::Queue', {
      RedrivePolicy: Match.objectLike({ maxReceiveCount: INBOUND_QUEUE.maxReceiveCount }),
      VisibilityTimeout: INBOUND_QUEUE.visibilityTimeoutSeconds,
      KmsMasterKeyId: Match.anyValue(),
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Threshold: 1,
      AlarmActions: [Match.anyValue()],
    });
  });

  it('reports partial batch failures from the route function', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BatchSize: INBOUND_QUEUE.batchSize,
    });
  });

  it('stores raw mail in S3 before invoking ingest, on a KMS-encrypted versioned bucket', () => {
    template.hasResourceProperties('AWS::SES::ReceiptRule', {
      Rule: Match.objectLike({
        Recipients: ['support@pharmacy.example'],
        TlsPolicy: 'Require',
        Actions: [
          { S3Action: Match.objectLike({ ObjectKeyPrefix: 'email/' }) },
          { LambdaAction: Match.objectLike({ InvocationType: 'Event' }) },
        ],
      }),
    });
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          Match.objectLike({ ServerSideEncryptionByDefault: Match.objectLike({ SSEAlgorithm: 'aws:kms' }) }),
        ],
      },
      VersioningConfiguration: { Status: 'Enabled' },
      PublicAccessBlockConfiguration: Match.objectLike({
        BlockPublicAcls: true,
        RestrictPublicBuckets: true,
      }),
    });
  });

  it('puts every staff route behind the Cognito JWT authorizer', () => {
    // The channel webhooks (POST /inbound/…) authenticate their senders in their functions.
    const routes = Object.fromEntries(
      Object.entries(template.findResources('AWS::ApiGatewayV2::Route')).filter(
        ([, route]) => !String(route.Properties.RouteKey).startsWith('POST /inbound/'),
      ),
    );
    const keys = Object.values(routes)
      .map((route) => route.Properties.RouteKey)
      .sort();
    expect(keys).toEqual([
      'GET /cases/{id}',
      'GET /queues',
      'POST /cases/{id}/pend',
      'POST /cases/{id}/resolve',
      'POST /queues/{queue}/claim',
    ]);
    for (const route of Object.values(routes)) expect(route.Properties.AuthorizationType).toBe('JWT');
    template.hasResourceProperties('AWS::Cognito::UserPool', { MfaConfiguration: 'ON' });
  });

  it('runs functions on Node.js 24 with reserved concurrency and JSON logs', () => {
    const functions = Object.values(template.findResources('AWS::Lambda::Function')).filter(
      (fn) => fn.Properties.Runtime !== undefined && String(fn.Properties.Handler).startsWith('index.'),
    );
    expect(functions).toHaveLength(9); // 4 core + 5 channel functions
    for (const fn of functions) {
      expect(fn.Properties.Runtime).toBe('nodejs24.x');
      expect(fn.Properties.ReservedConcurrentExecutions).toBeGreaterThan(0);
      expect(fn.Properties.LoggingConfig).toMatchObject({ LogFormat: 'JSON' });
    }
  });

  it('sweeps SLA timers every minute with permission to mail only from the notice identity', () => {
    template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(1 minute)' });
    const statements = Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
      (policy) => policy.Properties.PolicyDocument.Statement as { Action: unknown; Resource: unknown }[],
    );
    const sendEmail = statements.filter((statement) => statement.Action === 'ses:SendEmail');
    expect(sendEmail).toHaveLength(1);
    // Resources are Fn::Join tokens (partition, region, account): check the identity part.
    expect(JSON.stringify(sendEmail[0]?.Resource)).toContain('identity/sla-alerts@pharmacy.example');
    expect(JSON.stringify(sendEmail[0]?.Resource)).not.toContain('identity/*');
  });

  it('rejects a stack without an inbound address', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    expect(() => new RouterStack(app, 'Bad', { env, recipients: [] })).toThrow(/recipients/);
  });

  it('reports every invalid prop in one error', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const build = () =>
      new RouterStack(app, 'Bad', {
        env,
        recipients: [],
        notifyFrom: 'pharmacy.example',
        reservedConcurrency: 0,
      });

    expect(build).toThrow(
      new InvalidPropsError('RouterStack', [
        '`recipients` must list at least one inbound address (e.g. support@pharmacy.example); received []',
        '`notifyFrom` must be an e-mail address (e.g. sla-alerts@pharmacy.example); received "pharmacy.example"',
        '`reservedConcurrency` must be a positive integer; received 0',
      ]),
    );
  });

  it('passes the AwsSolutions and HIPAA Security packs with every finding acknowledged', () => {
    const { app } = synthesize(true);
    expect(() => app.synth()).not.toThrow();
  });

  it('fails synthesis when a finding is left unacknowledged', () => {
    const { app, stack } = synthesize(true);
    new sqs.Queue(stack, 'UnencryptedQueueWithoutDeadLetters');
    expect(() => app.synth()).toThrow(/validation/i);
  });
});
