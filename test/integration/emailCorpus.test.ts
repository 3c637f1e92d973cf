import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { documentClient, sqsClient } from '../../lambdas/adapters/awsClients.js';
import { DynamoCaseStore } from '../../lambdas/adapters/dynamo/DynamoCaseStore.js';
import { knownQueues } from '../../lambdas/domain/cases/claimQueue.js';
import { DEFAULT_POLICY } from '../../lambdas/domain/policy/defaultPolicy.js';
import { corporaSkipReason, corpusEmails, hasCorpora } from '../helpers/fixtures.js';
import { startTestRouter } from '../helpers/localRouter.js';

describe.skipIf(!hasCorpora)('the shared MIME corpus through local mode', () => {
  let router: Awaited<ReturnType<typeof startTestRouter>>;
  beforeAll(async () => {
    router = await startTestRouter();
  });
  afterAll(async () => {
    await router?.stop();
  });

  it('answers every corpus message with a case or a clear 4xx, never a 5xx or a lost message', async () => {
    const emails = corpusEmails();
    expect(emails.length).toBeGreaterThan(100);
    const accepted = new Set<string>();
    let acceptedResponses = 0;
    const rejected: { name: string; status: number; error: string }[] = [];
    for (const email of emails) {
      const response = await router.postEmail(email.raw);
      const body = (await response.json()) as { externalId?: string; error?: string };
      expect(response.status, `${email.name}: ${JSON.stringify(body)}`).toBeLessThan(500);
      if (response.status === 202 && body.externalId) {
        accepted.add(body.externalId);
        acceptedResponses += 1;
      } else rejected.push({ name: email.name, status: response.status, error: body.error ?? '' });
    }
    await router.drain(60_000);

    // Each accepted message opened its own case, or joined one (a reply, or a true redelivery of
    // the same message under one Message-ID); every case waits in a queue, read from the queue index.
    const store = new DynamoCaseStore(documentClient(router.endpoints), {
      tableName: router.resources.tableName,
    });
    let ownCases = 0;
    let messages = 0;
    for (const queue of knownQueues(DEFAULT_POLICY)) {
      let cursor: string | undefined;
      do {
        const page = await store.listCases(
          { queue, state: 'queued' },
          { limit: 100, ...(cursor ? { cursor } : {}) },
        );
        ownCases += page.cases.length;
        messages += page.cases.reduce((sum, kase) => sum + kase.messageCount, 0);
        cursor = page.nextCursor;
      } while (cursor);
    }
    // Every distinct Message-ID is at least one recorded message (a reused id with other content is
    // a second one), and no message is recorded twice.
    expect(messages).toBeGreaterThanOrEqual(accepted.size);
    expect(messages).toBeLessThanOrEqual(acceptedResponses);
    const joined = messages - ownCases;
    const depth = (await router.queues()).reduce((sum, queue) => sum + queue.depth, 0);
    expect(depth).toBe(ownCases);

    const dlq = await sqsClient(router.endpoints).send(
      new GetQueueAttributesCommand({
        QueueUrl: router.resources.deadLetterQueueUrl,
        AttributeNames: ['ApproximateNumberOfMessages'],
      }),
    );
    expect(dlq.Attributes?.ApproximateNumberOfMessages).toBe('0');
    expect(rejected.every((rejection) => rejection.status >= 400 && rejection.error.length > 0)).toBe(true);
    console.info(
      `corpus: ${emails.length} messages, ${ownCases} cases, ${joined} joined, ${rejected.length} rejected (4xx)`,
    );
  }, 180_000);
});

describe.skipIf(hasCorpora)('the shared MIME corpus', () => {
  it.skip(corporaSkipReason, () => {});
});
