import { type CfnElement, Names, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import type * as backup from 'aws-cdk-lib/aws-backup';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct, type IConstruct, RootConstruct } from 'constructs';
import { InboundMailPipeline } from './constructs/InboundMailPipeline.js';
import { InvalidPropsError } from './constructs/InvalidPropsError.js';
import { PhiDataStores } from './constructs/PhiDataStores.js';
import {
  emailAddressProblems,
  recipientsProblems,
  reservedConcurrencyProblems,
} from './constructs/propChecks.js';
import type { RouterFunctionDefaults } from './constructs/RouterFunction.js';
import { SlaSweeper } from './constructs/SlaSweeper.js';
import { StaffApi } from './constructs/StaffApi.js';

export interface RouterStackProps extends StackProps {
  /** Addresses SES receives for (the desk's inbound addresses); verified domains are set up outside this stack. */
  recipients: string[];
  /** Sender of supervisor notices: an e-mail address whose identity (the address or its domain) SES has verified. */
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
 * The L3 constructs this stack composes. They were carved out of a stack that builds everything in its
 * own scope, so their ids are left out of logical ids: a deployed stack updates in place instead of
 * replacing its key, table, buckets, user pool and receipt rule set.
 */
const TRANSPARENT_SCOPES = [PhiDataStores, InboundMailPipeline, SlaSweeper, StaffApi];

function isTransparent(scope: IConstruct): boolean {
  return TRANSPARENT_SCOPES.some((type) => scope instanceof type);
}

/** CDK's own path-to-id function (makeUniqueId, the one `Stack.allocateLogicalId` uses), applied to `ids`. */
function uniqueIdOf(ids: readonly string[]): string {
  let scope: Construct = new RootConstruct();
  for (const id of ids) scope = new Construct(scope, id);
  return Names.nodeUniqueId(scope.node);
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

  /** [unique id now, unique id before the split] of constructs whose unique id CDK embeds in other ids. */
  private readonly embeddedUniqueIds: [string, string][] = [];

  constructor(scope: Construct, id: string, props: RouterStackProps) {
    super(scope, id, props);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const reservedConcurrency = props.reservedConcurrency ?? 50;
    const notifyFrom = props.notifyFrom ?? SlaSweeper.DEFAULT_NOTIFY_FROM;
    InvalidPropsError.throwIfAny('RouterStack', [
      ...recipientsProblems(props.recipients),
      ...emailAddressProblems('notifyFrom', notifyFrom),
      ...reservedConcurrencyProblems('reservedConcurrency', reservedConcurrency),
    ]);

    const stores = new PhiDataStores(this, 'PhiDataStores', { removalPolicy });
    const functionDefaults: RouterFunctionDefaults = {
      logKey: stores.dataKey,
      logRetention: props.logRetention ?? logs.RetentionDays.ONE_YEAR,
      reservedConcurrency,
      ...(props.vpc ? { vpc: props.vpc } : {}),
    };
    const inbound = new InboundMailPipeline(this, 'InboundMailPipeline', {
      recipients: props.recipients,
      dataKey: stores.dataKey,
      rawBucket: stores.rawBucket,
      table: stores.table,
      functionDefaults,
    });
    const sweeper = new SlaSweeper(this, 'SlaSweeper', { table: stores.table, notifyFrom, functionDefaults });
    const staff = new StaffApi(this, 'StaffApi', { table: stores.table, functionDefaults, removalPolicy });

    // Some ids and names embed a construct's path (Names.uniqueId): SqsEventSource names its mapping
    // after the queue, the events target its permission after the function, and the backup vault
    // takes its name from its own path. Keep those as they were before the split too.
    for (const embedded of [inbound.inboundQueue, sweeper.function]) {
      this.embeddedUniqueIds.push([Names.uniqueId(embedded), this.preSplitUniqueId(embedded)]);
    }
    const vault = stores.backupPlan.backupVault.node.defaultChild as backup.CfnBackupVault;
    // BackupVault keeps the last 50 characters of its unique id (the vault name limit).
    vault.backupVaultName = this.preSplitUniqueId(stores.backupPlan.backupVault).slice(-50);

    this.table = stores.table;
    this.rawBucket = stores.rawBucket;
    this.inboundQueue = inbound.inboundQueue;
    this.api = staff.api;
  }

  /** `Names.uniqueId(construct)` as it was when every resource sat directly in this stack. */
  private preSplitUniqueId(construct: IConstruct): string {
    const scopes = construct.node.scopes.slice(1).filter((scope) => !isTransparent(scope));
    return uniqueIdOf(scopes.map((scope) => scope.node.id));
  }

  protected override allocateLogicalId(element: CfnElement): string {
    const scopes = element.node.scopes;
    const ids = scopes
      .slice(scopes.indexOf(element.stack) + 1)
      .filter((scope) => !isTransparent(scope))
      .map((scope) =>
        this.embeddedUniqueIds.reduce((id, [now, before]) => id.replace(now, before), scope.node.id),
      );
    return uniqueIdOf(ids);
  }
}
