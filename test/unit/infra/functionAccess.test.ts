import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { describe, expect, it } from 'vitest';
import {
  CASE_STORE_CALLS,
  type CaseStoreMethod,
  grantFunctionAccess,
  sdkClientsFor,
  sesIdentityNames,
  tableCallsFor,
} from '../../../lib/constructs/functionAccess.js';
import { roleStatements, stackWithStores } from './testStack.js';

describe('function access declarations (finding 4)', () => {
  it('unions the table calls of the case-store methods a function uses, indexes by name', () => {
    expect(tableCallsFor(['markOutboxEntrySent', 'claimNext', 'listOutbox'])).toEqual({
      actions: ['PutItem', 'Query', 'TransactWriteItems', 'UpdateItem'],
      indexes: ['outboxView', 'queueView'],
    });
  });

  it('declares no DeleteItem, Scan or BatchWriteItem for any case-store method (nothing is deleted; sent mail expires)', () => {
    const every = tableCallsFor(Object.keys(CASE_STORE_CALLS) as CaseStoreMethod[]);

    expect(every.actions).not.toContain('DeleteItem');
    expect(every.actions.join()).not.toMatch(/Scan|BatchWriteItem/);
    expect(every.indexes).toEqual(['assigneeView', 'outboxView', 'queueView', 'stateView', 'timerView']);
  });

  it('authorizes a sender under its address and under its domain', () => {
    expect(sesIdentityNames(['notices@desk.test', 'acks@desk.test'])).toEqual([
      'acks@desk.test',
      'desk.test',
      'notices@desk.test',
    ]);
  });

  it('derives the SDK clients a bundle may carry from the same declaration', () => {
    const { stores } = stackWithStores();

    expect(
      sdkClientsFor({
        caseStore: { table: stores.table, methods: ['getCase'] },
        sendsMailAs: ['acks@desk.test'],
      }),
    ).toEqual(['@aws-sdk/client-dynamodb', '@aws-sdk/client-sesv2', '@aws-sdk/lib-dynamodb']);
  });

  it('lets a sender send raw and simple mail only as its identities, and only from its own addresses', () => {
    const { stack, stores } = stackWithStores();
    const role = new iam.Role(stack, 'MailRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    });

    grantFunctionAccess(role, { sendsMailAs: ['support@desk.test', 'notices@desk.test'] }, stores.dataKey);

    const [statement] = roleStatements(Template.fromStack(stack), 'MailRole');
    expect(statement?.Action).toEqual(['ses:SendEmail', 'ses:SendRawEmail']);
    expect(JSON.stringify(statement?.Resource)).toMatch(
      /identity\/desk\.test".*identity\/notices@desk\.test".*identity\/support@desk\.test"/,
    );
    // The domain identity alone would let it send as any mailbox of desk.test.
    expect(statement?.Condition).toEqual({
      StringEquals: { 'ses:FromAddress': ['notices@desk.test', 'support@desk.test'] },
    });
  });

  it('refuses a domain as a sender (the From address condition needs addresses)', () => {
    const { stack, stores } = stackWithStores();
    const role = new iam.Role(stack, 'DomainRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    });

    expect(() => grantFunctionAccess(role, { sendsMailAs: ['desk.test'] }, stores.dataKey)).toThrow(
      /sender addresses, not domains; received desk\.test/,
    );
  });

  it('lets a dedupe read find "no such key" by listing only its own prefix', () => {
    const { stack, stores } = stackWithStores();
    const role = new iam.Role(stack, 'FaxRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    });

    grantFunctionAccess(
      role,
      {
        objects: [
          { bucket: stores.rawBucket, prefix: 'fax/', actions: ['s3:GetObject'], readsMissingKeys: true },
        ],
      },
      stores.dataKey,
    );

    expect(roleStatements(Template.fromStack(stack), 'FaxRole')).toEqual([
      expect.objectContaining({ Action: 's3:GetObject' }),
      expect.objectContaining({
        Action: 's3:ListBucket',
        Resource: { 'Fn::GetAtt': [expect.stringMatching(/^StoresRawContent/), 'Arn'] },
        Condition: { StringLike: { 's3:prefix': 'fax/*' } },
      }),
      expect.objectContaining({ Action: 'kms:Decrypt' }),
    ]);
  });

  it('grants Textract text detection, a counter table and their SDK clients from the declaration', () => {
    const { stack, stores } = stackWithStores();
    const role = new iam.Role(stack, 'OcrRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    });
    const access = { detectsDocumentText: true, countsIn: [stores.table] };

    grantFunctionAccess(role, access, stores.dataKey);

    const statements = roleStatements(Template.fromStack(stack), 'OcrRole');
    expect(statements.map((statement) => statement.Action)).toEqual([
      'dynamodb:UpdateItem',
      ['textract:StartDocumentTextDetection', 'textract:GetDocumentTextDetection'],
      ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'],
    ]);
    expect(sdkClientsFor(access)).toEqual([
      '@aws-sdk/client-dynamodb',
      '@aws-sdk/client-textract',
      '@aws-sdk/lib-dynamodb',
    ]);
  });

  it('grants the signed-out sessions their reads and writes, with the table key only through DynamoDB', () => {
    const { stack, stores } = stackWithStores();
    const role = new iam.Role(stack, 'SessionsRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    });
    const access = { signedOutSessionsIn: stores.table };

    grantFunctionAccess(role, access, stores.dataKey);

    const statements = roleStatements(Template.fromStack(stack), 'SessionsRole');
    expect(statements[0]).toMatchObject({ Action: ['dynamodb:GetItem', 'dynamodb:PutItem'] });
    expect(statements[0]).not.toHaveProperty('Condition');
    expect(statements[1]).toMatchObject({
      Action: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'],
      Condition: { StringEquals: { 'kms:ViaService': expect.stringMatching(/^dynamodb\./) } },
    });
    expect(statements).toHaveLength(2);
    expect(sdkClientsFor(access)).toEqual(['@aws-sdk/client-dynamodb', '@aws-sdk/lib-dynamodb']);
  });

  it("grants a secret's value and its key only through Secrets Manager", () => {
    const { stack, stores } = stackWithStores();
    const role = new iam.Role(stack, 'FaxRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    });
    const secret = new secretsmanager.Secret(stack, 'TelnyxKey', { encryptionKey: stores.dataKey });

    grantFunctionAccess(role, { readsSecrets: [secret] }, stores.dataKey);

    expect(roleStatements(Template.fromStack(stack), 'FaxRole')).toEqual([
      expect.objectContaining({
        Action: 'secretsmanager:GetSecretValue',
        Resource: { Ref: expect.stringMatching(/^TelnyxKey/) },
      }),
      expect.objectContaining({
        Action: 'kms:Decrypt',
        Condition: { StringEquals: { 'kms:ViaService': 'secretsmanager.us-east-1.amazonaws.com' } },
      }),
    ]);
  });
});
