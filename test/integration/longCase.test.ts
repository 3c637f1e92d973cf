import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CASE_VIEW_BUDGET_BYTES, CUT_TEXT_CHARS } from '../../lambdas/domain/cases/caseViews.js';
import { mintDevToken } from '../../lambdas/local/devTokens.js';
import { startTestRouter } from '../helpers/localRouter.js';
import { longThreadMail } from '../helpers/longThread.js';

type Router = Awaited<ReturnType<typeof startTestRouter>>;

const MEMBER = 'keiko.long@example.jp';
const MESSAGES = 40;

describe('a case too long for one response, on the emulators', () => {
  let router: Router;
  let agent: string;
  beforeAll(async () => {
    router = await startTestRouter();
    agent = await mintDevToken('ana', process.env, { role: 'agent', skills: ['ja'] });
  });
  afterAll(async () => {
    await router?.stop();
  });

  it('still opens: the newest messages whole, older ones cut, each one whole on its own route', async () => {
    for (let index = 0; index < MESSAGES; index++) {
      expect((await router.postEmail(longThreadMail(MEMBER, 'keiko', index))).status).toBe(202);
      if (index === 0) await router.drain();
    }
    await router.drain();
    const cases: { caseId: string; messageCount: number }[] = [];
    for (const { queue } of await router.queues('lookup')) {
      const listing = await router.staffFetch('lookup', `/cases?state=queued&queue=${queue}&limit=100`);
      cases.push(...((await listing.json()) as { cases: { caseId: string; messageCount: number }[] }).cases);
    }
    const kase = cases.find((candidate) => candidate.messageCount === MESSAGES);
    expect(kase, JSON.stringify(cases.map((c) => c.messageCount))).toBeDefined();
    const caseId = kase?.caseId ?? '';

    const response = await fetch(`${router.url}/cases/${caseId}`, {
      headers: { authorization: `Bearer ${agent}` },
    });
    expect(response.status).toBe(200);
    const body = await response.text();
    expect(Buffer.byteLength(body)).toBeLessThanOrEqual(CASE_VIEW_BUDGET_BYTES);
    const view = JSON.parse(body) as {
      messages: { externalId: string; text: string; textCut?: { length: number } }[];
      messagesOmitted?: number;
    };
    const omitted = view.messagesOmitted ?? 0;
    expect(omitted + view.messages.length).toBe(MESSAGES);
    expect(view.messages.at(-1)?.externalId).toBe(`<keiko-${MESSAGES - 1}@mail.example.jp>`);
    expect(view.messages.at(-1)?.textCut).toBeUndefined();
    const cutAt = view.messages.findIndex((message) => message.textCut);
    expect(cutAt).toBeGreaterThanOrEqual(0);
    const cut = view.messages[cutAt];
    expect(cut?.text).toHaveLength(CUT_TEXT_CHARS);

    const whole = await fetch(`${router.url}/cases/${caseId}/messages/${omitted + cutAt}`, {
      headers: { authorization: `Bearer ${agent}` },
    });
    expect(whole.status).toBe(200);
    const { message } = (await whole.json()) as { message: { externalId: string; text: string } };
    expect(message.externalId).toBe(cut?.externalId);
    expect(message.text).toHaveLength(cut?.textCut?.length ?? -1);
    expect(message.text.startsWith(cut?.text ?? '?')).toBe(true);
  });
});
