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
 * once, and the type below fails the build when a port method has no entry. The integration test
 * `caseStoreGrants.test.ts` runs the use cases on DynamoDB Local and compares this with the calls
 * the store really makes, in both directions.
 *
 * A transaction is authorized per item: `TransactWriteItems` needs the action of every item it
 * holds (Put → PutItem, Update → UpdateItem, ConditionCheck → ConditionCheckItem, Delete →
 * DeleteItem) on top of its own action. The store's transactions hold Puts (case, message, event,
 * inbound, thread, outbox and acknowledgement-guard items) and Updates (the case on its version,
 * the `QSTATS#n` figures shards); nothing is ever deleted (sent outbox entries expire by TTL).
 */
export const CASE_STORE_CALLS = {
  // Thread keys, 100 a BatchGetItem.
  findCaseIdByThread: { actions: ['BatchGetItem'] },
  // One consistent GetItem of the thread key a bounce returns.
  findCaseIdByDeskMail: { actions: ['GetItem'] },
  // One transaction; a redelivery or a joined conversation is answered by the cancellation reasons.
  createCase: { actions: ['TransactWriteItems', 'PutItem', 'UpdateItem'] },
  // Reads the case (consistent GetItem), then one transaction.
  appendMessage: { actions: ['GetItem', 'TransactWriteItems', 'PutItem', 'UpdateItem'] },
  getCase: { actions: ['Query'] },
  getCaseRecord: { actions: ['GetItem'] },
  // The figures shards in one BatchGetItem, whatever the number of queues.
  listQueues: { actions: ['BatchGetItem'] },
  // The head of the queue's shards (Query), then one group transaction conditional on the versions read.
  claimNext: {
    actions: ['Query', 'TransactWriteItems', 'PutItem', 'UpdateItem'],
    indexes: ['queueView'],
  },
  // By assignee, by queue and state, or queued cases in queue order.
  listCases: { actions: ['Query'], indexes: ['assigneeView', 'stateView', 'queueView'] },
  listDueTimers: { actions: ['Query'], indexes: ['timerView'] },
  applyRevision: { actions: ['TransactWriteItems', 'PutItem', 'UpdateItem'] },
  applyRevisions: { actions: ['TransactWriteItems', 'PutItem', 'UpdateItem'] },
  listOutbox: { actions: ['Query'], indexes: ['outboxView'] },
  claimOutboxEntry: { actions: ['UpdateItem'] },
  markOutboxEntrySent: { actions: ['UpdateItem'] },
  // One conditional PutItem a key (the Message-IDs a sent mail carried).
  registerThreadKeys: { actions: ['PutItem'] },
} as const satisfies Record<keyof CaseStore, TableCalls>;

export type CaseStoreMethod = keyof typeof CASE_STORE_CALLS;

export type ObjectAction = 's3:GetObject' | 's3:PutObject' | 's3:DeleteObject';

/** Objects a function reads, writes or deletes under one key prefix of one bucket. */
export interface ObjectAccess {
  bucket: s3.IBucket;
  /** A key prefix (`fax/`), or a pattern IAM matches (`email/*\/attachments/`); `*` is appended. */
  prefix: string;
  actions: readonly ObjectAction[];
  /**
   * The code reads keys that may not exist and expects "no such key" (a dedupe check). S3 answers
   * 403 instead of 404 to a caller that may not list the bucket (S3 API reference, GetObject,
   * "Permissions"), so this adds `s3:ListBucket` on the bucket, only for this prefix (`s3:prefix`).
   */
  readsMissingKeys?: boolean;
  /**
   * Another AWS service reads these objects with the function's own permissions (Textract reads
   * the document it is given): the function itself makes no S3 call, so its bundle has no S3 client.
   */
  readThrough?: 'textract';
}

/** Amazon Textract's asynchronous text detection (a multi-page fax is read this way). */
export const TEXTRACT_TEXT_DETECTION = [
  'textract:StartDocumentTextDetection',
  'textract:GetDocumentTextDetection',
] as const;

/**
 * What one function's code calls, declared next to the function: the grants (IAM actions, resources
 * and KMS use) are derived from it, and so is the list of SDK clients its bundle may carry (a bundle
 * test compares the two).
 */
export interface FunctionAccess {
  /** The case-store methods its use cases call. */
  caseStore?: { table: dynamodb.ITableV2; methods: readonly CaseStoreMethod[] };
  /** Objects it reads, writes or deletes, by key prefix (`email/`); never the whole bucket, never versions. */
  objects?: readonly ObjectAccess[];
  /** Queues it sends to with `SendMessage`. */
  sendsTo?: readonly sqs.IQueue[];
  /**
   * Queues its SQS event source mapping polls with the function's role (Lambda developer guide,
   * "Execution role permissions" for SQS: ReceiveMessage, DeleteMessage, GetQueueAttributes), and
   * decrypts only through SQS. The construct adds the mapping itself (not CDK's SqsEventSource,
   * whose grant would let the role decrypt with the data key directly).
   */
  receivesFrom?: readonly sqs.IQueue[];
  /**
   * Addresses it sends mail from, through SES v2 `SendEmail` (raw content, the address passed as
   * `FromEmailAddress`): granted on the address's and its domain's identities, and only with one of
   * these addresses as the From address (`ses:FromAddress`), so a domain identity is not every mailbox.
   */
  sendsMailAs?: readonly string[];
  /** The SES configuration set that mail is sent through (SendEmail is authorized on it too). */
  sendsMailThrough?: string;
  /** The SES configuration set that mail to staff (supervisor notices) is sent through. */
  sendsStaffMailThrough?: string;
  /** SES v1 receipt-rule-set calls (describe and set the active set); they have no resource-level permissions. */
  managesReceiptRuleSets?: boolean;
  /** Secrets it reads with `GetSecretValue` (a channel provider's signing key, say). */
  readsSecrets?: readonly secretsmanager.ISecret[];
  /**
   * Starts Textract text detection on documents of `objects` and reads the results
   * ({@link TEXTRACT_TEXT_DETECTION}; no resource-level permissions). Textract reads the document
   * with the caller's own permissions, so the function needs `s3:GetObject` on it as well.
   */
  detectsDocumentText?: boolean;
  /** A counter table it increments with a conditional `UpdateItem` (the form's rate limits). */
  countsIn?: readonly dynamodb.ITableV2[];
  /**
   * The table whose `SIGNEDOUT#` items it reads (`GetItem`) and writes (`PutItem`): the staff API's
   * signed-out sessions (`DynamoSignedOutSessions`).
   */
  signedOutSessionsIn?: dynamodb.ITableV2;
}

/** The AWS SDK v3 packages a function with this access calls, for the bundle test. */
export function sdkClientsFor(access: FunctionAccess): string[] {
  const clients = new Set<string>();
  if (access.caseStore || access.countsIn?.length || access.signedOutSessionsIn) {
    clients.add('@aws-sdk/client-dynamodb');
    clients.add('@aws-sdk/lib-dynamodb');
  }
  if (access.objects?.some((entry) => entry.readThrough === undefined)) clients.add('@aws-sdk/client-s3');
  if (access.sendsTo?.length) clients.add('@aws-sdk/client-sqs');
  if (access.sendsMailAs?.length) clients.add('@aws-sdk/client-sesv2');
  if (access.managesReceiptRuleSets) clients.add('@aws-sdk/client-ses');
  if (access.readsSecrets?.length) clients.add('@aws-sdk/client-secrets-manager');
  if (access.detectsDocumentText) clients.add('@aws-sdk/client-textract');
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

/** The data-key actions a function needs through one service, to read (decrypt) or also to write. */
const KEY_USE = {
  // DynamoDB encrypts each write under the table key and decrypts on read.
  dynamodb: { read: ['kms:Decrypt'], write: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'] },
  // SSE-KMS: reading decrypts the object's data key; writing (and copying) generates one.
  s3: { read: ['kms:Decrypt'], write: ['kms:Decrypt', 'kms:GenerateDataKey'] },
  // A consumer decrypts; a producer on a KMS-encrypted queue needs both (SQS developer guide, "Key management").
  sqs: { read: ['kms:Decrypt'], write: ['kms:Decrypt', 'kms:GenerateDataKey'] },
} as const;

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
  const keyUse = new Map<keyof typeof KEY_USE, 'read' | 'write'>();
  const useKey = (service: keyof typeof KEY_USE, use: 'read' | 'write') => {
    if (keyUse.get(service) !== 'write') keyUse.set(service, use);
  };

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
    useKey('dynamodb', writes ? 'write' : 'read');
  }

  const counters = access.countsIn ?? [];
  if (counters.length > 0) {
    statements.push(
      new iam.PolicyStatement({
        actions: ['dynamodb:UpdateItem'],
        resources: counters.map((table) => table.tableArn),
      }),
    );
    useKey('dynamodb', 'write');
  }

  if (access.signedOutSessionsIn) {
    statements.push(
      new iam.PolicyStatement({
        // On the table: the staff API's case-store grant allows both on every item already, and IAM
        // unions allow statements, so a dynamodb:LeadingKeys condition here would restrict nothing.
        actions: ['dynamodb:GetItem', 'dynamodb:PutItem'],
        resources: [access.signedOutSessionsIn.tableArn],
      }),
    );
    useKey('dynamodb', 'write');
  }

  const objects = access.objects ?? [];
  for (const { bucket, prefix, actions } of objects) {
    statements.push(
      new iam.PolicyStatement({
        actions: [...actions].sort(),
        resources: [bucket.arnForObjects(`${prefix}*`)],
      }),
    );
    useKey('s3', actions.includes('s3:PutObject') ? 'write' : 'read');
  }
  for (const { bucket, prefix } of objects.filter((entry) => entry.readsMissingKeys)) {
    statements.push(
      new iam.PolicyStatement({
        actions: ['s3:ListBucket'],
        resources: [bucket.bucketArn],
        conditions: { StringLike: { 's3:prefix': `${prefix}*` } },
      }),
    );
  }

  if (access.detectsDocumentText) {
    statements.push(
      new iam.PolicyStatement({
        // Neither action has a resource type (Service Authorization Reference, Amazon Textract).
        actions: [...TEXTRACT_TEXT_DETECTION],
        resources: ['*'],
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
    );
    useKey('sqs', 'write');
  }

  const sources = access.receivesFrom ?? [];
  if (sources.length > 0) {
    statements.push(
      new iam.PolicyStatement({
        actions: ['sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:ReceiveMessage'],
        resources: sources.map((queue) => queue.queueArn),
      }),
    );
    useKey('sqs', 'read');
  }

  for (const [service, use] of keyUse) {
    statements.push(
      new iam.PolicyStatement({
        actions: [...KEY_USE[service][use]],
        resources: [dataKey.keyArn],
        conditions: viaService(service),
      }),
    );
  }

  const senders = access.sendsMailAs ?? [];
  const notAddresses = senders.filter((sender) => !/^[^@\s]+@[^@\s]+$/.test(sender));
  if (notAddresses.length > 0) {
    throw new Error(`sendsMailAs takes sender addresses, not domains; received ${notAddresses.join(', ')}`);
  }
  if (senders.length > 0) {
    statements.push(
      new iam.PolicyStatement({
        // SES v2 SendEmail with raw content is authorized as ses:SendRawEmail on the identity (its
        // AccessDenied names that action), with simple content as ses:SendEmail: both, on the
        // sender's identities only (CDK's EmailIdentity.grantSendEmail grants the same pair). The
        // domain identity alone would allow any mailbox of the domain: ses:FromAddress (the From
        // address, without its display name) must be one of the senders. SesMailer passes it as
        // FromEmailAddress, so the key is set for raw content too.
        actions: ['ses:SendEmail', 'ses:SendRawEmail'],
        // With ConfigurationSetName, SES authorizes SendEmail on the configuration set as well
        // (Service Authorization Reference, Amazon SES v2: SendEmail's resource types).
        resources: [
          ...sesIdentityNames(senders).map(
            (identity) => `arn:${stack.partition}:ses:${stack.region}:${stack.account}:identity/${identity}`,
          ),
          ...[access.sendsMailThrough, access.sendsStaffMailThrough]
            .filter((set): set is string => set !== undefined)
            .map(
              (set) => `arn:${stack.partition}:ses:${stack.region}:${stack.account}:configuration-set/${set}`,
            ),
        ],
        conditions: { StringEquals: { 'ses:FromAddress': [...new Set(senders)].sort() } },
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
    const secretKeys = new Map<string, kms.IKey>();
    for (const secret of secrets) {
      if (secret.encryptionKey) secretKeys.set(secret.encryptionKey.node.path, secret.encryptionKey);
    }
    for (const key of secretKeys.values()) {
      statements.push(
        new iam.PolicyStatement({
          actions: ['kms:Decrypt'],
          resources: [key.keyArn],
          conditions: viaService('secretsmanager'),
        }),
      );
    }
  }

  for (const statement of statements) role.addToPrincipalPolicy(statement);
  return {
    // An object prefix is a resource pattern by nature (`<bucket>/email/*`): the actions stay exact.
    acknowledgements: objects.map(({ bucket, prefix, actions }) => ({
      id: `AwsSolutions::AwsSolutions-IAM5[Resource::<${stack.getLogicalId(bucket.node.defaultChild as CfnResource)}.Arn>/${prefix}*]`,
      reason: `${[...actions].sort().join(', ')} on the keys matching \`${prefix}*\` in the raw bucket only: object keys are message, fax and conversation ids, known only at run time.`,
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
