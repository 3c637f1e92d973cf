import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { describe, expect, it } from 'vitest';
import {
  grantFunctionAccess,
  sdkClientsFor,
  sesIdentityNames,
  tableCallsFor,
} from '../../../lib/constructs/functionAccess.js';
import { roleStatements, stackWithStores } from './testStack.js';

describe('function access declarations (finding 4)', () => {
  it('unions the table calls of the case-store methods a function uses, indexes by name', () => {
    expect(tableCallsFor(['listQueues', 'markNoticeSent', 'claimNext'])).toEqual({
      actions: ['DeleteItem', 'GetItem', 'PutItem', 'Query', 'TransactWriteItems', 'UpdateItem'],
      indexes: ['queueAge', 'queueView'],
    });
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
