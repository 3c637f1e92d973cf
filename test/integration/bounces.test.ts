import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CaseView } from '../../lambdas/domain/cases/caseRecord.js';
import { mintDevToken } from '../../lambdas/local/devTokens.js';
import { sesBounceMail } from '../helpers/deliveryReports.js';
import { startTestRouter } from '../helpers/localRouter.js';
import { sentMail } from '../helpers/sesStore.js';

type Router = Awaited<ReturnType<typeof startTestRouter>>;

const MEMBER = 'walter.bounce@example.net';

const MEMBER_MAIL = [
  `From: Walter Ng <${MEMBER}>`,
  'To: support@pharmacy.example',
  'Subject: Refill of my atorvastatin',
  'Message-ID: <walter-1@mail.example.net>',
  'Date: Tue, 08 Dec 2026 09:15:00 -0500',
  'Content-Type: text/plain; charset=utf-8',
  '',
  'Hello, please refill my atorvastatin prescription and ship it to my home address. Thank you.',
  '',
].join('\r\n');

describe('a bounce of the desk mail, on the emulators', () => {
  let router: Router;
  let agent: string;
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

  beforeAll(async () => {
    router = await startTestRouter();
    agent = await mintDevToken('ana', process.env, { role: 'agent', skills: ['en'] });
  });
  afterAll(async () => {
    await router?.stop();
  });

  it('joins the case the bounced reply was sent from and puts the pended case back in its queue', async () => {
    expect((await router.postEmail(MEMBER_MAIL)).status).toBe(202);
    await router.drain();
    const claim = await fetch(`${router.url}/queues/fulfillment/claim`, {
      method: 'POST',
      headers: bearer(agent),
    });
    expect(claim.status).toBe(200);
    const caseId = ((await claim.json()) as { case: { caseId: string } }).case.caseId;
    const reply = await fetch(`${router.url}/cases/${caseId}/reply`, {
      method: 'POST',
      headers: {
        ...bearer(agent),
        'content-type': 'application/json',
        'if-match': claim.headers.get('etag') ?? '',
      },
      body: JSON.stringify({ text: 'Hello Walter, which pharmacy filled it last time?' }),
    });
    expect(reply.status).toBe(200);
    const pend = await fetch(`${router.url}/cases/${caseId}/pend`, {
      method: 'POST',
      headers: bearer(agent),
    });
    expect(pend.status).toBe(200);
    const toMember = await sentMail(router.endpoints.ses, MEMBER);
    // The acknowledgement and the reply.
    expect(toMember).toHaveLength(2);
    const depth = async () => (await router.queues()).find((queue) => queue.queue === 'fulfillment')?.depth;
    const depthBefore = await depth();
    const mailsBefore = (await sentMail(router.endpoints.ses)).length;

    // SES reports the reply's Message-ID as `<its id@email.amazonses.com>` in the bounce.
    const bouncedId = `<${toMember[1]?.messageId}@email.amazonses.com>`;
    expect(
      (await router.postEmail(sesBounceMail({ original: bouncedId, recipients: [MEMBER] }))).status,
    ).toBe(202);
    await router.drain();

    const view = (await (
      await fetch(`${router.url}/cases/${caseId}`, { headers: bearer(agent) })
    ).json()) as CaseView;
    expect(view.case.state).toBe('queued');
    expect(view.case.assignee).toBeUndefined();
    const failed = view.history.find((event) => event.type === 'delivery_failed');
    expect(failed?.detail).toMatchObject({
      recipients: [{ recipient: MEMBER, status: '5.1.1' }],
      originalMessageId: bouncedId,
    });
    expect(view.messages.at(-1)).toMatchObject({
      direction: 'inbound',
      sender: { address: 'MAILER-DAEMON@email-bounces.amazonses.com' },
    });
    expect(await depth()).toBe((depthBefore ?? 0) + 1);
    // Nobody answers a bounce, and no case was opened for it.
    expect((await sentMail(router.endpoints.ses)).length).toBe(mailsBefore);
    expect((await router.queues()).find((queue) => queue.queue === 'suspended')?.depth ?? 0).toBe(0);
  });
});
