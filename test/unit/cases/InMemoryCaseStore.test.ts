import { describeCaseStoreContract } from '../../contract/caseStoreContract.js';
import { InMemoryCaseStore } from '../../helpers/InMemoryCaseStore.js';

// The fake the domain tests use keeps the same contract as DynamoCaseStore (test/integration).
describeCaseStoreContract('InMemoryCaseStore', async () => new InMemoryCaseStore());
