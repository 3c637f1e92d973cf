import { RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { ChannelIngest } from './constructs/ChannelIngest.js';
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
  /** Addresses fax services mail received faxes to (fax-to-email); they must be among `recipients`. */
  faxEmailAddresses?: string[];
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
    new SlaSweeper(this, 'SlaSweeper', { table: stores.table, notifyFrom, functionDefaults });
    const staff = new StaffApi(this, 'StaffApi', { table: stores.table, functionDefaults, removalPolicy });
    new ChannelIngest(this, 'ChannelIngest', {
      httpApi: staff.api,
      rawBucket: stores.rawBucket,
      dataKey: stores.dataKey,
      inboundQueue: inbound.inboundQueue,
      alarmTopic: inbound.opsAlerts,
      functionDefaults,
      deskDomains: [
        ...new Set(props.recipients.map((recipient) => recipient.split('@').pop() ?? recipient)),
      ].map((domain) => domain.replace(/^\./, '')),
      ...(props.faxEmailAddresses ? { faxEmailAddresses: props.faxEmailAddresses } : {}),
      emailIngest: inbound.emailIngest,
      removalPolicy,
    });

    this.table = stores.table;
    this.rawBucket = stores.rawBucket;
    this.inboundQueue = inbound.inboundQueue;
    this.api = staff.api;
  }
}
