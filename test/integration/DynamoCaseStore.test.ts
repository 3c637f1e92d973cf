import { randomUUID } from 'node:crypto';
import { inject } from 'vitest';
import { documentClient } from '../../lambdas/adapters/awsClients.js';
import { DynamoCaseStore } from '../../lambdas/adapters/dynamo/DynamoCaseStore.js';
import { provisionResources } from '../../lambdas/local/provisionResources.js';
import { describeCaseStoreContract } from '../contract/caseStoreContract.js';

describeCaseStoreContract('DynamoCaseStore on DynamoDB Local', async () => {
  const endpoints = inject('endpoints');
  const resources = await provisionResources(endpoints, `c${randomUUID().slice(0, 8)}`);
  return new DynamoCaseStore(documentClient(endpoints), { tableName: resources.tableName });
});
