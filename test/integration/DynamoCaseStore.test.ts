import { randomUUID } from 'node:crypto';
import { BatchGetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { describe, expect, inject, it } from 'vitest';
import { documentClient } from '../../lambdas/adapters/awsClients.js';
import { DynamoCaseStore } from '../../lambdas/adapters/dynamo/DynamoCaseStore.js';
import { provisionResources } from '../../lambdas/local/provisionResources.js';
import { describeCaseStoreContract } from '../contract/caseStoreContract.js';

describeCaseStoreContract('DynamoCaseStore on DynamoDB Local', async () => {
  const endpoints = inject('endpoints');
  const resources = await provisionResources(endpoints, `c${randomUUID().slice(0, 8)}`);
  return new DynamoCaseStore(documentClient(endpoints), { tableName: resources.tableName });
});

describe('DynamoCaseStore when DynamoDB leaves thread keys unprocessed', () => {
  it('fails the lookup instead of answering that no case holds them', async () => {
    const endpoints = inject('endpoints');
    const resources = await provisionResources(endpoints, `u${randomUUID().slice(0, 8)}`);
    const real = documentClient(endpoints);
    const throttled = { batchGet: false };
    // Under throttling BatchGetItem answers 200 with every key unprocessed.
    const client = new Proxy(real, {
      get(target, property, receiver) {
        if (property !== 'send') return Reflect.get(target, property, receiver);
        return async (command: unknown) =>
          throttled.batchGet && command instanceof BatchGetCommand
            ? { Responses: {}, UnprocessedKeys: command.input.RequestItems, $metadata: {} }
            : (target.send as (sent: unknown) => Promise<unknown>)(command);
      },
    }) as DynamoDBDocumentClient;
    const store = new DynamoCaseStore(client, { tableName: resources.tableName, sleep: async () => {} });
    const key = `msg:<unprocessed-${randomUUID().slice(0, 8)}@mail.example.com>`;
    expect(await store.findCaseIdByThread([key])).toBeUndefined();
    throttled.batchGet = true;
    await expect(store.findCaseIdByThread([key])).rejects.toThrow(/unprocessed/);
  });
});
