import { RemovalPolicy } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { CASE_TABLE } from '../../../lambdas/adapters/dynamo/caseTableDefinition.js';
import { PhiDataStores } from '../../../lib/constructs/PhiDataStores.js';
import { testStack } from './testStack.js';

function template(removalPolicy?: RemovalPolicy) {
  const stack = testStack();
  new PhiDataStores(stack, 'Stores', removalPolicy ? { removalPolicy } : {});
  return Template.fromStack(stack);
}

describe('PhiDataStores', () => {
  it("rotates the data key and lets only this account's CloudWatch Logs and SES use it", () => {
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
          Match.objectLike({
            Sid: 'SesWritesRawMail',
            Principal: { Service: 'ses.amazonaws.com' },
            Action: ['kms:GenerateDataKey*', 'kms:Encrypt'],
            Condition: { StringEquals: { 'aws:SourceAccount': '111111111111' } },
          }),
        ]),
      },
    });
    stores.hasResource('AWS::KMS::Key', { DeletionPolicy: 'Retain' });
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

  it('keeps access logs SSE-S3, versioned and 400 days, and logs raw mail into them', () => {
    const stores = template();

    stores.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      VersioningConfiguration: { Status: 'Enabled' },
      LifecycleConfiguration: { Rules: [Match.objectLike({ ExpirationInDays: 400, Status: 'Enabled' })] },
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
