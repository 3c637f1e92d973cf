import { Aws, Duration, Fn, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as backup from 'aws-cdk-lib/aws-backup';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { CASE_TABLE } from '../../lambdas/adapters/dynamo/caseTableDefinition.js';
import { InvalidPropsError } from './InvalidPropsError.js';

export interface PhiDataStoresProps {
  /** Keep the stores on stack deletion (default) or destroy them (sandboxes only). */
  removalPolicy?: RemovalPolicy;
  /**
   * Years raw mail (and quarantined mail) is kept before S3 expires it. Default 10: Medicare Part D
   * sponsors keep records of coverage determinations and appeals 10 years (42 CFR 423.505(d)), and
   * the raw original is the record of what the member sent.
   */
  rawMailRetentionYears?: number;
  /** Days a replaced or deleted version of raw mail is kept (an operator's undo window). Default 30. */
  noncurrentVersionRetentionDays?: number;
}

/** Days S3 server access logs (and CloudFront's standard logs) are kept in the access-log bucket. */
export const ACCESS_LOG_RETENTION_DAYS = 400;
/**
 * How long a deleted or overwritten access log stays recoverable: long enough that a log deleted
 * by hand (the bucket's versions are its tamper record) is noticed and restored.
 */
export const ACCESS_LOG_NONCURRENT_DAYS = 90;

/** Problems with the retention props. */
export function retentionProblems(props: PhiDataStoresProps): string[] {
  const problems: string[] = [];
  const years = props.rawMailRetentionYears;
  if (years !== undefined && !(Number.isInteger(years) && years >= 1 && years <= 100)) {
    problems.push(
      `\`rawMailRetentionYears\` must be a whole number of years from 1 to 100; received ${years}`,
    );
  }
  const days = props.noncurrentVersionRetentionDays;
  if (days !== undefined && !(Number.isInteger(days) && days >= 1)) {
    problems.push(
      `\`noncurrentVersionRetentionDays\` must be a positive whole number of days; received ${days}`,
    );
  }
  if (years !== undefined && days !== undefined && days >= years * 365) {
    problems.push(
      `\`noncurrentVersionRetentionDays\` (${days}) must be shorter than \`rawMailRetentionYears\` (${years} years): replaced versions expire sooner than current mail`,
    );
  }
  return problems;
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
    InvalidPropsError.throwIfAny(`PhiDataStores ${this.node.path}`, retentionProblems(props));
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const rawMailRetentionYears = props.rawMailRetentionYears ?? 10;
    const noncurrentVersionRetentionDays = props.noncurrentVersionRetentionDays ?? 30;
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
    // The vault is retained when the stack is deleted (recovery points outlive it), so its name, and
    // the plan's, carry the stack's creation id: a redeploy or a second stack never collides with one.
    const deployment = Fn.select(0, Fn.split('-', Fn.select(2, Fn.split('/', Aws.STACK_ID))));
    const backupName = (what: string) => `${Stack.of(this).stackName.slice(0, 30)}-${what}-${deployment}`;
    const vault = new backup.BackupVault(this, 'CaseBackupVault', {
      backupVaultName: backupName('cases'),
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.backupPlan = new backup.BackupPlan(this, 'CaseBackups', {
      backupPlanName: backupName('daily'),
      backupVault: vault,
      backupPlanRules: [backup.BackupPlanRule.daily()],
    });
    // daily() keeps each recovery point 35 days (AWS Backup's daily rule).
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
      // The bucket is versioned, so the 400-day expiration only turns each log into a noncurrent
      // version behind a delete marker: that version is removed 90 days later (as is a log deleted
      // by hand: recoverable until then), and the marker once nothing is left behind it (S3 takes
      // the marker rule only in a rule of its own).
      lifecycleRules: [
        {
          id: 'AccessLogRetention',
          expiration: Duration.days(ACCESS_LOG_RETENTION_DAYS),
          noncurrentVersionExpiration: Duration.days(ACCESS_LOG_NONCURRENT_DAYS),
        },
        { id: 'ExpiredDeleteMarkers', expiredObjectDeleteMarker: true },
      ],
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
        reason: `Access logs are audit data kept ${ACCESS_LOG_RETENTION_DAYS} days in-region (then expired; a deleted or overwritten log stays recoverable ${ACCESS_LOG_NONCURRENT_DAYS} days as a noncurrent version, then is removed); replication is an account-level choice.`,
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
      lifecycleRules: [
        {
          id: 'RawMailRetention',
          expiration: Duration.days(rawMailRetentionYears * 365),
          noncurrentVersionExpiration: Duration.days(noncurrentVersionRetentionDays),
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
        // A delete marker left with no versions behind it (all expired) is removed too; S3 takes this
        // only in a rule of its own, without an expiration age.
        { id: 'ExpiredDeleteMarkers', expiredObjectDeleteMarker: true },
      ],
      removalPolicy,
    });
    Validations.of(this.rawBucket).acknowledge({
      id: 'HIPAA.Security::HIPAA.Security-S3BucketReplicationEnabled',
      reason:
        'Raw mail is versioned and KMS-encrypted in-region; cross-region replication of PHI is a per-deployment decision (data residency), not a default.',
    });
  }
}
