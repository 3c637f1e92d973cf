import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as backup from 'aws-cdk-lib/aws-backup';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { CASE_TABLE } from '../../lambdas/adapters/dynamo/caseTableDefinition.js';

export interface PhiDataStoresProps {
  /** Keep the stores on stack deletion (default) or destroy them (sandboxes only). */
  removalPolicy?: RemovalPolicy;
}

/**
 * Where PHI rests: one customer-managed KMS key, the case table (PITR, daily backups), the raw-mail
 * bucket and the server access log bucket it logs to.
 */
export class PhiDataStores extends Construct {
  /** Encrypts the table, raw mail, queues, topic and log groups; CloudWatch Logs and SES may use it. */
  readonly dataKey: kms.Key;
  readonly table: dynamodb.TableV2;
  /** Daily backups of the case table, kept 35 days. */
  readonly backupPlan: backup.BackupPlan;
  readonly accessLogs: s3.Bucket;
  readonly rawBucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: PhiDataStoresProps = {}) {
    super(scope, id);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const { account, partition, region } = Stack.of(this);

    // One customer-managed key for PHI at rest: table, raw mail, queues and logs.
    this.dataKey = new kms.Key(this, 'DataKey', {
      description: 'contact-router: PHI at rest (cases, raw mail, queues, logs)',
      enableKeyRotation: true,
      removalPolicy,
    });
    this.dataKey.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchLogsEncrypt',
        principals: [new iam.ServicePrincipal(`logs.${region}.amazonaws.com`)],
        actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
        resources: ['*'],
        conditions: {
          ArnLike: {
            'kms:EncryptionContext:aws:logs:arn': `arn:${partition}:logs:${region}:${account}:*`,
          },
        },
      }),
    );
    this.dataKey.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'SesWritesRawMail',
        principals: [new iam.ServicePrincipal('ses.amazonaws.com')],
        actions: ['kms:GenerateDataKey*', 'kms:Encrypt'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': account } },
      }),
    );

    this.table = new dynamodb.TableV2(this, 'Cases', {
      partitionKey: { name: CASE_TABLE.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: CASE_TABLE.sortKey, type: dynamodb.AttributeType.STRING },
      billing: dynamodb.Billing.onDemand(),
      encryption: dynamodb.TableEncryptionV2.customerManagedKey(this.dataKey),
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
    this.backupPlan = backup.BackupPlan.daily35DayRetention(this, 'CaseBackups');
    const selection = this.backupPlan.addSelection('CaseTable', {
      resources: [backup.BackupResource.fromArn(this.table.tableArn)],
    });
    Validations.of(selection).acknowledge({
      id: 'AwsSolutions::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup]',
      reason:
        'AWS Backup documents this managed service-role policy for backup jobs; it is assumable only by backup.amazonaws.com.',
    });

    this.accessLogs = new s3.Bucket(this, 'AccessLogs', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      versioned: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
      lifecycleRules: [{ expiration: Duration.days(400) }],
      removalPolicy,
    });
    Validations.of(this.accessLogs).acknowledge(
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
      encryptionKey: this.dataKey,
      bucketKeyEnabled: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      versioned: true,
      serverAccessLogsBucket: this.accessLogs,
      serverAccessLogsPrefix: 'raw-content/',
      removalPolicy,
    });
    Validations.of(this.rawBucket).acknowledge({
      id: 'HIPAA.Security::HIPAA.Security-S3BucketReplicationEnabled',
      reason:
        'Raw mail is versioned and KMS-encrypted in-region; cross-region replication of PHI is a per-deployment decision (data residency), not a default.',
    });
  }
}
