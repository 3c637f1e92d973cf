import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CASE_VIEW_BUDGET_BYTES, CUT_TEXT_CHARS } from '../../lambdas/domain/cases/caseViews.js';
import { mintDevToken } from '../../lambdas/local/devTokens.js';
import { startTestRouter } from '../helpers/localRouter.js';

type Router = Awaited<ReturnType<typeof startTestRouter>>;

const MEMBER = 'keiko.long@example.jp';
const MESSAGES = 40;

/** A member's mail of 50,000 Japanese characters (150 KB as stored text), the first or a reply to it. */
function longMail(index: number): string {
  const text = `${index}番目のメールです。${'処方箋の再発行をお願いします。'.repeat(3_400)}`;
  return [
    `From: Keiko <${MEMBER}>`,
    'To: support@pharmacy.example',
    `Subject: =?utf-8?B?${Buffer.from(`処方箋 ${index}`).toString('base64')}?=`,
    `Message-ID: <keiko-${index}@mail.example.jp>`,
    ...(index > 0 ? ['In-Reply-To: <keiko-0@mail.example.jp>', 'References: <keiko-0@mail.example.jp>'] : []),
    `Date: Tue, 08 Dec 2026 09:${String(index).padStart(2, '0')}:00 +0900`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: base64',
    '',
    Buffer.from(text).toString('base64'),
    '',
  ].join('\r\n');
}

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
      expect((await router.postEmail(longMail(index))).status).toBe(202);
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
