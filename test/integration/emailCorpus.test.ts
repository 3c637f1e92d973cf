import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sqsClient } from '../../lambdas/adapters/awsClients.js';
import { caseIdFor } from '../../lambdas/domain/cases/caseIds.js';
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
    const rejected: { name: string; status: number; error: string }[] = [];
    for (const email of emails) {
      const response = await router.postEmail(email.raw);
      const body = (await response.json()) as { externalId?: string; error?: string };
      expect(response.status, `${email.name}: ${JSON.stringify(body)}`).toBeLessThan(500);
      if (response.status === 202 && body.externalId) accepted.add(body.externalId);
      else rejected.push({ name: email.name, status: response.status, error: body.error ?? '' });
    }
    await router.drain(60_000);

    // Each accepted message opened its own case, or joined one (a reply or a duplicate Message-ID).
    let ownCases = 0;
    let joined = 0;
    for (const externalId of accepted) {
      const response = await router.staffFetch('alice', `/cases/${caseIdFor('email', externalId)}`);
      if (response.status !== 200) continue;
      ownCases += 1;
      const view = (await response.json()) as { case: { messageCount: number } };
      joined += view.case.messageCount - 1;
    }
    expect(ownCases + joined).toBe(accepted.size);
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
