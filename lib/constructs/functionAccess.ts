import { type CfnResource, Stack } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { CASE_TABLE, type CaseTableIndexName } from '../../lambdas/adapters/dynamo/caseTableDefinition.js';
import type { CaseStore } from '../../lambdas/domain/ports.js';

/** DynamoDB actions a function may be granted on the case table (named as IAM names them, without `dynamodb:`). */
export type TableAction =
  | 'GetItem'
  | 'BatchGetItem'
  | 'Query'
  | 'PutItem'
  | 'UpdateItem'
  | 'DeleteItem'
  | 'ConditionCheckItem'
  | 'TransactWriteItems'
  | 'TransactGetItems';

interface TableCalls {
  actions: readonly TableAction[];
  /** Indexes the method queries: each is granted by its own ARN, never `index/*`. */
  indexes?: readonly CaseTableIndexName[];
}

/**
 * The DynamoDB calls each case-store method makes (`DynamoCaseStore`). A function's table grant is
 * the union over the methods its use cases call, so adding a call to the store means adding it here
 * once, and the type below fails the build when a port method has no entry.
 *
 * A transaction is authorized per item: `TransactWriteItems` needs the action of every item it
 * holds (Put → PutItem, Update → UpdateItem, ConditionCheck → ConditionCheckItem, Delete →
 * DeleteItem) on top of its own action.
 */
export const CASE_STORE_CALLS = {
  findCaseIdByInbound: { actions: ['GetItem'] },
  findCaseIdByThread: { actions: ['BatchGetItem'] },
  createCase: { actions: ['GetItem', 'BatchGetItem', 'TransactWriteItems', 'PutItem', 'UpdateItem'] },
  appendMessage: { actions: ['GetItem', 'BatchGetItem', 'TransactWriteItems', 'PutItem', 'UpdateItem'] },
  getCase: { actions: ['Query'] },
  getCaseRecord: { actions: ['GetItem'] },
  listQueues: { actions: ['GetItem', 'Query'], indexes: ['queueAge'] },
  claimNext: { actions: ['Query', 'TransactWriteItems', 'PutItem', 'UpdateItem'], indexes: ['queueView'] },
  listDueTimers: { actions: ['Query'], indexes: ['timerView'] },
  applyRevision: { actions: ['TransactWriteItems', 'PutItem', 'UpdateItem'] },
  listOutbox: { actions: ['Query'] },
  claimNotice: { actions: ['UpdateItem'] },
  markNoticeSent: { actions: ['DeleteItem'] },
} as const satisfies Record<keyof CaseStore, TableCalls>;

export type CaseStoreMethod = keyof typeof CASE_STORE_CALLS;

export type ObjectAction = 's3:GetObject' | 's3:PutObject' | 's3:DeleteObject';

/**
 * What one function's code calls, declared next to the function: the grants (IAM actions, resources
 * and KMS use) are derived from it, and so is the list of SDK clients its bundle may carry (a bundle
 * test compares the two).
 */
export interface FunctionAccess {
  /** The case-store methods its use cases call. */
  caseStore?: { table: dynamodb.ITableV2; methods: readonly CaseStoreMethod[] };
  /** Objects it reads, writes or deletes, by key prefix (`email/`); never the whole bucket, never versions. */
  objects?: readonly { bucket: s3.IBucket; prefix: string; actions: readonly ObjectAction[] }[];
  /** Queues it sends to with `SendMessage`. */
  sendsTo?: readonly sqs.IQueue[];
  /** SES identities (addresses or domains) it sends mail as, through SES v2 `SendEmail` (simple or raw). */
  sendsMailAs?: readonly string[];
  /** SES v1 receipt-rule-set calls (describe and set the active set); they have no resource-level permissions. */
  managesReceiptRuleSets?: boolean;
  /** Secrets it reads with `GetSecretValue` (a channel provider's signing key, say). */
  readsSecrets?: readonly secretsmanager.ISecret[];
}

/** The AWS SDK v3 packages a function with this access calls, for the bundle test. */
export function sdkClientsFor(access: FunctionAccess): string[] {
  const clients = new Set<string>();
  if (access.caseStore) {
    clients.add('@aws-sdk/client-dynamodb');
    clients.add('@aws-sdk/lib-dynamodb');
  }
  if (access.objects?.length) clients.add('@aws-sdk/client-s3');
  if (access.sendsTo?.length) clients.add('@aws-sdk/client-sqs');
  if (access.sendsMailAs?.length) clients.add('@aws-sdk/client-sesv2');
  if (access.managesReceiptRuleSets) clients.add('@aws-sdk/client-ses');
  if (access.readsSecrets?.length) clients.add('@aws-sdk/client-secrets-manager');
  return [...clients].sort();
}

/** Table actions and indexes for a set of case-store methods. */
export function tableCallsFor(methods: readonly CaseStoreMethod[]): {
  actions: TableAction[];
  indexes: CaseTableIndexName[];
} {
  const actions = new Set<TableAction>();
  const indexes = new Set<CaseTableIndexName>();
  for (const method of methods) {
    const calls: TableCalls = CASE_STORE_CALLS[method];
    for (const action of calls.actions) actions.add(action);
    for (const index of calls.indexes ?? []) indexes.add(index);
  }
  return { actions: [...actions].sort(), indexes: [...indexes].sort() };
}

/**
 * Adds exactly the statements `access` implies to `role`. KMS use is granted per service with
 * `kms:ViaService`, so the function can use the data key only through the service that stores the
 * data (DynamoDB, S3, SQS), never to decrypt something directly.
 */
export function grantFunctionAccess(
  role: iam.IRole,
  access: FunctionAccess,
  dataKey: kms.IKey,
): { acknowledgements: { id: string; reason: string }[] } {
  const stack = Stack.of(role);
  const viaService = (service: string) => ({
    StringEquals: { 'kms:ViaService': `${service}.${stack.region}.amazonaws.com` },
  });
  const statements: iam.PolicyStatement[] = [];

  if (access.caseStore) {
    const { table, methods } = access.caseStore;
    const { actions, indexes } = tableCallsFor(methods);
    statements.push(
      new iam.PolicyStatement({
        actions: actions.map((action) => `dynamodb:${action}`),
        resources: [
          table.tableArn,
          ...indexes.map((index) => `${table.tableArn}/index/${CASE_TABLE.indexes[index].name}`),
        ],
      }),
    );
    const writes = actions.some(
      (action) => action !== 'GetItem' && action !== 'BatchGetItem' && action !== 'Query',
    );
    statements.push(
      new iam.PolicyStatement({
        actions: writes ? ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'] : ['kms:Decrypt'],
        resources: [dataKey.keyArn],
        conditions: viaService('dynamodb'),
      }),
    );
  }

  const objects = access.objects ?? [];
  for (const { bucket, prefix, actions } of objects) {
    statements.push(
      new iam.PolicyStatement({
        actions: [...actions].sort(),
        resources: [bucket.arnForObjects(`${prefix}*`)],
      }),
    );
  }
  if (objects.length > 0) {
    const writes = objects.some(({ actions }) => actions.includes('s3:PutObject'));
    statements.push(
      new iam.PolicyStatement({
        // SSE-KMS: reading decrypts the object's data key; writing (and copying) generates one.
        actions: writes ? ['kms:Decrypt', 'kms:GenerateDataKey'] : ['kms:Decrypt'],
        resources: [dataKey.keyArn],
        conditions: viaService('s3'),
      }),
    );
  }

  const queues = access.sendsTo ?? [];
  if (queues.length > 0) {
    statements.push(
      new iam.PolicyStatement({
        actions: ['sqs:SendMessage'],
        resources: queues.map((queue) => queue.queueArn),
      }),
      sqsProducerKeyStatement(dataKey, stack.region),
    );
  }

  const identities = access.sendsMailAs ?? [];
  if (identities.length > 0) {
    statements.push(
      new iam.PolicyStatement({
        // SES v2 SendEmail (simple and raw content alike) is authorized as ses:SendEmail on the identity.
        actions: ['ses:SendEmail'],
        resources: sesIdentityNames(identities).map(
          (identity) => `arn:${stack.partition}:ses:${stack.region}:${stack.account}:identity/${identity}`,
        ),
      }),
    );
  }

  if (access.managesReceiptRuleSets) {
    statements.push(
      new iam.PolicyStatement({
        actions: ['ses:DescribeActiveReceiptRuleSet', 'ses:SetActiveReceiptRuleSet'],
        resources: ['*'],
      }),
    );
  }

  const secrets = access.readsSecrets ?? [];
  if (secrets.length > 0) {
    statements.push(
      new iam.PolicyStatement({
        actions: ['secretsmanager:GetSecretValue'],
        resources: secrets.map((secret) => secret.secretArn),
      }),
    );
    for (const secret of secrets) {
      if (secret.encryptionKey) {
        statements.push(
          new iam.PolicyStatement({
            actions: ['kms:Decrypt'],
            resources: [secret.encryptionKey.keyArn],
            conditions: viaService('secretsmanager'),
          }),
        );
      }
    }
  }

  for (const statement of statements) role.addToPrincipalPolicy(statement);
  return {
    // An object prefix is a resource pattern by nature (`<bucket>/email/*`): the actions stay exact.
    acknowledgements: objects.map(({ bucket, prefix, actions }) => ({
      id: `AwsSolutions::AwsSolutions-IAM5[Resource::<${stack.getLogicalId(bucket.node.defaultChild as CfnResource)}.Arn>/${prefix}*]`,
      reason: `${[...actions].sort().join(', ')} on the keys under the raw bucket's \`${prefix}\` prefix only: object keys are message ids, known only at run time.`,
    })),
  };
}

/** An SQS producer on a KMS-encrypted queue needs both actions (SQS developer guide, "Key management"). */
export function sqsProducerKeyStatement(dataKey: kms.IKey, region: string): iam.PolicyStatement {
  return new iam.PolicyStatement({
    actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
    resources: [dataKey.keyArn],
    conditions: { StringEquals: { 'kms:ViaService': `sqs.${region}.amazonaws.com` } },
  });
}

/**
 * The SES identities a sender address may be verified under: the address itself and its domain
 * (SES authorizes a send against whichever identity verified it).
 */
export function sesIdentityNames(senders: readonly string[]): string[] {
  const names = new Set<string>();
  for (const sender of senders) {
    names.add(sender);
    const domain = sender.split('@')[1];
    if (domain) names.add(domain);
  }
  return [...names].sort();
}
