import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CaseView } from '../../lambdas/domain/cases/caseRecord.js';
import { mintDevToken } from '../../lambdas/local/devTokens.js';
import { startTestRouter } from '../helpers/localRouter.js';
import { sentMail } from '../helpers/sesStore.js';

type Router = Awaited<ReturnType<typeof startTestRouter>>;

const MEMBER = 'lucia.ramirez@example.net';

const FIRST_MESSAGE = [
  `From: Lucía Ramírez <${MEMBER}>`,
  'To: support@pharmacy.example',
  'Subject: Necesito resurtir mi receta',
  'Message-ID: <lucia-1@mail.example.net>',
  'Date: Mon, 07 Dec 2026 09:15:00 -0600',
  'Content-Type: text/plain; charset=utf-8',
  '',
  'Hola, necesito que me resurtan mi receta de metformina. Solo me quedan tres pastillas.',
  '¿Me la pueden enviar esta semana a mi casa? Muchas gracias por su ayuda.',
  'Lucía',
  '',
].join('\r\n');

function memberAnswer(inReplyTo: string, subject: string): string {
  return [
    `From: Lucía Ramírez <${MEMBER}>`,
    'To: support@pharmacy.example',
    `Subject: ${subject}`,
    'Message-ID: <lucia-2@mail.example.net>',
    `In-Reply-To: ${inReplyTo}`,
    `References: <lucia-1@mail.example.net> ${inReplyTo}`,
    'Date: Mon, 07 Dec 2026 11:40:00 -0600',
    'Content-Type: text/plain; charset=utf-8',
    '',
    'Perfecto, la dirección sigue siendo la misma. Gracias.',
    '',
  ].join('\r\n');
}

describe('staff workflow on the emulators', () => {
  let router: Router;
  let agent: string;
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

  beforeAll(async () => {
    router = await startTestRouter();
    agent = await mintDevToken('ana', process.env, { role: 'agent', skills: ['es'] });
  });
  afterAll(async () => {
    await router?.stop();
  });

  it('acknowledges an e-mail in Spanish, lets a Spanish-speaking agent claim, reply and resolve it, and joins the member’s answer to the case', async () => {
    // An e-mail arrives; the member gets an acknowledgement in their language.
    expect((await router.postEmail(FIRST_MESSAGE)).status).toBe(202);
    await router.drain();
    const acknowledgements = await sentMail(router.endpoints.ses, MEMBER);
    expect(acknowledgements).toHaveLength(1);
    const [acknowledgement] = acknowledgements;
    const reference = /\[(CR-[0-9A-Z]{10})\]/.exec(acknowledgement?.subject ?? '')?.[1];
    expect(acknowledgement?.subject).toBe(`Recibimos su mensaje [${reference}]`);
    expect(acknowledgement?.body.text).toContain(`abrimos el caso ${reference}`);
    expect(acknowledgement?.body.text).toContain('Nuestra respuesta, a más tardar:');

    // An agent with the skill claims it.
    const claim = await fetch(`${router.url}/queues/fulfillment/claim`, {
      method: 'POST',
      headers: bearer(agent),
    });
    expect(claim.status).toBe(200);
    const claimed = (await claim.json()) as { case: { caseId: string; reference: string; language: string } };
    expect(claimed.case).toMatchObject({ reference, language: 'es' });
    const caseId = claimed.case.caseId;

    // The agent replies; the mail leaves through SES with the reference in the subject.
    const reply = await fetch(`${router.url}/cases/${caseId}/reply`, {
      method: 'POST',
      headers: {
        ...bearer(agent),
        'content-type': 'application/json',
        'if-match': claim.headers.get('etag') ?? '',
      },
      body: JSON.stringify({
        text: 'Hola Lucía: su resurtido de metformina sale hoy y llegará en dos o tres días.',
      }),
    });
    expect(reply.status).toBe(200);
    const replied = (await reply.json()) as { message: { messageId: string; delivery: string } };
    expect(replied.message.delivery).toBe('sent');
    const mails = await sentMail(router.endpoints.ses, MEMBER);
    expect(mails).toHaveLength(2);
    expect(mails[1]?.subject).toBe(`Re: Necesito resurtir mi receta [${reference}]`);
    expect(mails[1]?.body.text).toContain('su resurtido de metformina sale hoy');
    expect(mails[1]?.body.text).toContain(`Referencia de su caso: ${reference}`);

    const afterReply = (await (
      await fetch(`${router.url}/cases/${caseId}`, { headers: bearer(agent) })
    ).json()) as CaseView;
    const outbound = afterReply.messages.find((message) => message.direction === 'outbound');
    expect(outbound?.messageId).toBe(replied.message.messageId);
    expect(outbound?.references).toEqual(['<lucia-1@mail.example.net>']);
    expect(afterReply.case.clocks.clocks.find((clock) => clock.kind === 'firstResponse')?.state).toBe(
      'stopped',
    );

    // The member answers our reply; the answer joins the case (no new case, no second acknowledgement).
    const depthBefore = (await router.queues()).find((queue) => queue.queue === 'fulfillment')?.depth;
    expect(
      (await router.postEmail(memberAnswer(replied.message.messageId, mails[1]?.subject ?? ''))).status,
    ).toBe(202);
    await router.drain();
    const afterAnswer = (await (
      await fetch(`${router.url}/cases/${caseId}`, { headers: bearer(agent) })
    ).json()) as CaseView;
    expect(afterAnswer.messages.map((message) => message.direction)).toEqual([
      'inbound',
      'outbound',
      'inbound',
    ]);
    expect(afterAnswer.messages[2]?.text).toContain('la dirección sigue siendo la misma');
    expect((await router.queues()).find((queue) => queue.queue === 'fulfillment')?.depth).toBe(depthBefore);
    expect(await sentMail(router.endpoints.ses, MEMBER)).toHaveLength(2);

    // The agent resolves it.
    const resolve = await fetch(`${router.url}/cases/${caseId}/resolve`, {
      method: 'POST',
      headers: { ...bearer(agent), 'content-type': 'application/json' },
      body: JSON.stringify({ resolution: 'Resurtido enviado' }),
    });
    expect(resolve.status).toBe(200);
    expect(((await resolve.json()) as { case: { state: string } }).case.state).toBe('resolved');
  });
});
