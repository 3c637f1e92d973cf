import { RemovalPolicy } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { CASE_TABLE } from '../../../lambdas/adapters/dynamo/caseTableDefinition.js';
import { PhiDataStores, type PhiDataStoresProps } from '../../../lib/constructs/PhiDataStores.js';
import { testStack } from './testStack.js';

function template(removalPolicy?: RemovalPolicy, retention: PhiDataStoresProps = {}) {
  const stack = testStack();
  new PhiDataStores(stack, 'Stores', { ...(removalPolicy ? { removalPolicy } : {}), ...retention });
  return Template.fromStack(stack);
}

describe('PhiDataStores', () => {
  it("rotates the data key and lets this account's CloudWatch Logs use it", () => {
    const stores = template();

    stores.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Sid: 'CloudWatchLogsEncrypt',
            Principal: { Service: 'logs.us-east-1.amazonaws.com' },
            Condition: {
              ArnLike: { 'kms:EncryptionContext:aws:logs:arn': Match.anyValue() },
            },
          }),
        ]),
      },
    });
    stores.hasResource('AWS::KMS::Key', { DeletionPolicy: 'Retain' });
  });

  it('gives SES nothing on the data key by itself (the mail pipeline grants it for its one receipt rule)', () => {
    const [key] = Object.values(template().findResources('AWS::KMS::Key'));

    expect(JSON.stringify(key?.Properties.KeyPolicy)).not.toContain('ses.amazonaws.com');
  });

  it('creates the case table with the shared keys, TTL, PITR, deletion protection and the data key', () => {
    const stores = template();

    stores.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      KeySchema: [
        { AttributeName: CASE_TABLE.partitionKey, KeyType: 'HASH' },
        { AttributeName: CASE_TABLE.sortKey, KeyType: 'RANGE' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
      TimeToLiveSpecification: { AttributeName: CASE_TABLE.timeToLiveAttribute, Enabled: true },
      SSESpecification: Match.objectLike({ SSEEnabled: true, SSEType: 'KMS' }),
      Replicas: [
        Match.objectLike({
          DeletionProtectionEnabled: true,
          PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
          SSESpecification: { KMSMasterKeyId: Match.anyValue() },
        }),
      ],
    });
  });

  it('drops deletion protection only when the stores are meant to be destroyed', () => {
    const stores = template(RemovalPolicy.DESTROY);

    stores.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      Replicas: [Match.objectLike({ DeletionProtectionEnabled: false })],
    });
  });

  it('backs the case table up daily with 35-day retention', () => {
    const stores = template();

    stores.hasResourceProperties('AWS::Backup::BackupPlan', {
      BackupPlan: Match.objectLike({
        BackupPlanRule: [
          Match.objectLike({ ScheduleExpression: 'cron(0 5 * * ? *)', Lifecycle: { DeleteAfterDays: 35 } }),
        ],
      }),
    });
    stores.resourceCountIs('AWS::Backup::BackupSelection', 1);
  });

  it('names the retained vault and the plan after this deployment, so a redeploy or second stack never collides (finding 6)', () => {
    const stores = template();
    // The first segment of the stack id's GUID: new for every stack creation.
    const deployment = {
      'Fn::Select': [
        0,
        { 'Fn::Split': ['-', { 'Fn::Select': [2, { 'Fn::Split': ['/', { Ref: 'AWS::StackId' }] }] }] },
      ],
    };

    stores.hasResource('AWS::Backup::BackupVault', {
      DeletionPolicy: 'Retain',
      Properties: { BackupVaultName: { 'Fn::Join': ['', ['Test-cases-', deployment]] } },
    });
    stores.hasResourceProperties('AWS::Backup::BackupPlan', {
      BackupPlan: Match.objectLike({ BackupPlanName: { 'Fn::Join': ['', ['Test-daily-', deployment]] } }),
    });
  });

  it('expires raw mail after the retention years and replaced versions sooner (finding 5)', () => {
    const stores = template(undefined, { rawMailRetentionYears: 7, noncurrentVersionRetentionDays: 14 });

    stores.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: Match.objectLike({
        ServerSideEncryptionConfiguration: [Match.objectLike({ BucketKeyEnabled: true })],
      }),
      LifecycleConfiguration: {
        Rules: [
          {
            Id: 'RawMailRetention',
            Status: 'Enabled',
            ExpirationInDays: 7 * 365,
            NoncurrentVersionExpiration: { NoncurrentDays: 14 },
            AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
          },
          { Id: 'ExpiredDeleteMarkers', Status: 'Enabled', ExpiredObjectDeleteMarker: true },
        ],
      },
    });
  });

  it('keeps raw mail 10 years and replaced versions 30 days by default', () => {
    template().hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: {
        Rules: Match.arrayWith([
          Match.objectLike({ ExpirationInDays: 3650, NoncurrentVersionExpiration: { NoncurrentDays: 30 } }),
        ]),
      },
    });
  });

  it('reports every invalid retention in one error', () => {
    expect(() =>
      template(undefined, { rawMailRetentionYears: 0, noncurrentVersionRetentionDays: 1.5 }),
    ).toThrow(/rawMailRetentionYears[\s\S]*noncurrentVersionRetentionDays/);
    expect(() =>
      template(undefined, { rawMailRetentionYears: 1, noncurrentVersionRetentionDays: 400 }),
    ).toThrow(/must be shorter than/);
  });

  it('keeps access logs SSE-S3, versioned and 400 days, and logs raw mail into them', () => {
    const stores = template();

    stores.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      VersioningConfiguration: { Status: 'Enabled' },
      LifecycleConfiguration: { Rules: Match.arrayWith([Match.objectLike({ ExpirationInDays: 400 })]) },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerPreferred' }] },
    });
    stores.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          {
            BucketKeyEnabled: true,
            ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: Match.anyValue() },
          },
        ],
      },
      VersioningConfiguration: { Status: 'Enabled' },
      LoggingConfiguration: { DestinationBucketName: Match.anyValue(), LogFilePrefix: 'raw-content/' },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
    });
  });

  it('removes an expired access log for good: its noncurrent version 90 days later (a log deleted by hand stays recoverable that long), then its delete marker', () => {
    // Versioned: expiration only puts a delete marker over the log, which stays as a noncurrent
    // version (kept forever without NoncurrentVersionExpiration).
    const logs = Object.values(template().findResources('AWS::S3::Bucket')).find(
      (bucket) => bucket.Properties.OwnershipControls?.Rules?.[0]?.ObjectOwnership === 'BucketOwnerPreferred',
    );

    expect(logs?.Properties.VersioningConfiguration).toEqual({ Status: 'Enabled' });
    expect(logs?.Properties.LifecycleConfiguration.Rules).toEqual([
      {
        Id: 'AccessLogRetention',
        Status: 'Enabled',
        ExpirationInDays: 400,
        NoncurrentVersionExpiration: { NoncurrentDays: 90 },
      },
      { Id: 'ExpiredDeleteMarkers', Status: 'Enabled', ExpiredObjectDeleteMarker: true },
    ]);
  });

  it('denies non-TLS access to both buckets', () => {
    const stores = template();

    const policies = stores.findResources('AWS::S3::BucketPolicy', {
      Properties: {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
      },
    });
    expect(Object.keys(policies)).toHaveLength(2);
  });
});
