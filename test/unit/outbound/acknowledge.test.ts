import { describe, expect, it } from 'vitest';
import type { Case } from '../../../lambdas/domain/cases/caseRecord.js';
import { recordInbound } from '../../../lambdas/domain/cases/recordInbound.js';
import type { EmailVerdicts } from '../../../lambdas/domain/inboundMessage.js';
import {
  ACKNOWLEDGEMENT_GUARD_MS,
  composeAcknowledgement,
  memberTimeZone,
} from '../../../lambdas/domain/outbound/acknowledge.js';
import { inboxOf } from '../../../lambdas/domain/outbound/mailLoopGuard.js';
import { DEFAULT_POLICY } from '../../../lambdas/domain/policy/defaultPolicy.js';
import { InMemoryCaseStore } from '../../helpers/InMemoryCaseStore.js';
import { inboundEmail } from '../../helpers/inboundMessages.js';

const desk = { address: 'support@pharmacy.example', name: 'Member Services', timeZone: 'America/Chicago' };
const now = new Date('2026-11-27T16:00:05.000Z');

async function caseOf(message = inboundEmail()): Promise<Case> {
  const caseStore = new InMemoryCaseStore();
  await recordInbound(message, { caseStore, clock: { now: () => now }, policy: DEFAULT_POLICY });
  const [kase] = [...caseStore.cases.values()];
  if (!kase) throw new Error('no case recorded');
  return kase;
}

/** recordInbound's services with the desk's acknowledgements composed, on `caseStore`. */
function acknowledgingServices(caseStore: InMemoryCaseStore) {
  return {
    caseStore,
    clock: { now: () => now },
    policy: DEFAULT_POLICY,
    acknowledge: (created: Case, message: Parameters<typeof composeAcknowledgement>[1], at: Date) =>
      composeAcknowledgement(created, message, at, desk),
  };
}

describe('acknowledgement of a new case', () => {
  it('answers the member in Spanish with the reference, the due time and RFC 3834 headers', async () => {
    const message = inboundEmail({
      subject: 'Resurtido de mi receta',
      bodyText: 'Hola, necesito un resurtido de mi lisinopril. ¿Cuándo me lo pueden enviar? Gracias.',
    });
    const kase = await caseOf(message);
    const ack = composeAcknowledgement({ ...kase, language: 'es' }, message, now, desk);

    expect(ack?.entry).toMatchObject({
      entryId: `acknowledgement#${kase.caseId}`,
      kind: 'acknowledgement',
      caseId: kase.caseId,
    });
    expect(ack?.entry.mail.to).toEqual(['maria@example.com']);
    expect(ack?.entry.mail.subject).toBe(`Recibimos su mensaje [${kase.reference}]`);
    expect(ack?.entry.mail.text).toContain(`abrimos el caso ${kase.reference}`);
    expect(ack?.entry.mail.text).toContain('Nuestra respuesta, a más tardar:');
    expect(ack?.entry.mail.headers).toMatchObject({
      'Auto-Submitted': 'auto-replied',
      'In-Reply-To': '<refill-1@mail.example.com>',
      References: '<refill-1@mail.example.com>',
      'Content-Language': 'es',
    });
    expect(ack?.entry.mail.headers['Message-ID']).toMatch(
      new RegExp(`^<ack\\.${kase.caseId}\\.[A-Za-z0-9_-]{16}@pharmacy\\.example>$`),
    );
    expect(ack?.guardKey).toBe('acknowledgement:maria@example.com');
    expect(Date.parse(ack?.guardUntil ?? '') - now.getTime()).toBe(ACKNOWLEDGEMENT_GUARD_MS);
  });

  it('shows the first-response due time in the desk’s zone when the member’s is unknown', async () => {
    const kase = await caseOf();
    const ack = composeAcknowledgement(
      { ...kase, language: 'en', sla: { ...kase.sla, firstResponseDueAt: '2026-11-28T20:00:00.000Z' } },
      inboundEmail(),
      now,
      desk,
    );
    expect(ack?.entry.mail.text).toContain(
      'We will reply by: Saturday, November 28, 2026 at 2:00 PM (Central Standard Time)',
    );
  });

  it('writes in the form’s preferred language and the member’s time zone', async () => {
    const message = inboundEmail({
      channel: 'form',
      hints: { preferredLanguage: 'de', country: 'DE' },
    });
    const kase = await caseOf(message);
    const ack = composeAcknowledgement({ ...kase, language: 'en' }, message, now, desk);
    expect(ack?.entry.mail.subject).toBe(`Wir haben Ihre Nachricht erhalten [${kase.reference}]`);
    expect(ack?.entry.mail.text).toMatch(/Wir antworten spätestens bis: .* \(Mitteleuropäische Normalzeit\)/);
    expect(memberTimeZone({ formFields: { timeZone: 'Asia/Manila' }, country: 'DE' })).toBe('Asia/Manila');
    expect(memberTimeZone({ formFields: { timeZone: 'Not/AZone' }, country: 'US' })).toBeUndefined();
  });

  it('writes in English and Spanish when the language is undetermined', async () => {
    const kase = await caseOf();
    const ack = composeAcknowledgement({ ...kase, language: 'und' }, inboundEmail(), now, desk);
    expect(ack?.entry.mail.subject).toBe(
      `We received your message / Recibimos su mensaje [${kase.reference}]`,
    );
    expect(ack?.entry.mail.text).toContain('Thank you for contacting Member Services');
    expect(ack?.entry.mail.text).toContain('Gracias por comunicarse con Servicios para Miembros');
    expect(ack?.entry.mail.headers['Content-Language']).toBe('en, es');
    expect(ack?.entry.mail.text).not.toMatch(/^-- $/m);
  });

  it('adds the Part D note only to cases with a regulatory clock', async () => {
    const kase = await caseOf();
    const without = composeAcknowledgement({ ...kase, language: 'en' }, inboundEmail(), now, desk);
    expect(without?.entry.mail.text).not.toContain('Medicare Part D');
    const regulatory = {
      ...kase,
      language: 'en',
      clocks: {
        ...kase.clocks,
        clocks: [
          ...kase.clocks.clocks,
          {
            type: 'regulatory' as const,
            id: 'regulatory' as const,
            kind: 'regulatory' as const,
            regulatoryKind: 'redetermination' as const,
            variant: 'standard' as const,
            limit: '7 days',
            citation: '42 CFR 423.590(a)',
            assumedProgram: false,
            durationMs: 7 * 86_400_000,
            state: 'running' as const,
            startedAt: kase.receivedAt,
            dueAt: '2026-12-04T16:00:00.000Z',
            milestones: [],
          },
        ],
      },
    } as Case;
    const withNote = composeAcknowledgement(regulatory, inboundEmail(), now, desk);
    expect(withNote?.entry.mail.text).toContain('Medicare Part D coverage decision or an appeal');
  });

  it('never answers automated mail, chat, no-reply mailboxes or the desk itself', async () => {
    const kase = await caseOf();
    expect(composeAcknowledgement(kase, inboundEmail({ automated: true }), now, desk)).toBeUndefined();
    expect(composeAcknowledgement(kase, inboundEmail({ channel: 'chat' }), now, desk)).toBeUndefined();
    for (const address of [
      'no-reply@bank.example',
      'MAILER-DAEMON@mx.example',
      'bounces+123@list.example',
      'support@pharmacy.example',
      'not an address',
      // Behind a plus tag (RFC 5233) too.
      'no-reply+12345@bank.example',
      'mailer-daemon+x@mx.example',
      'notifications+abc@ehr.example',
    ]) {
      expect(
        composeAcknowledgement(kase, inboundEmail({ sender: { address } }), now, desk),
        address,
      ).toBeUndefined();
    }
  });

  it('never answers a sender it cannot authenticate, and the case says why (backscatter, RFC 3834 §2)', async () => {
    const caseStore = new InMemoryCaseStore();
    const services = acknowledgingServices(caseStore);
    const verdicts = { spam: 'PASS', virus: 'PASS', spf: 'PASS', dkim: 'PASS' } as const;
    const sent = [];
    const deliveries: EmailVerdicts[] = [
      { ...verdicts, dmarc: 'FAIL' },
      { ...verdicts, dmarc: 'GRAY', spfAligned: false },
      { ...verdicts, dmarc: 'PASS' },
      { ...verdicts, dmarc: 'GRAY', spfAligned: true },
    ];
    for (const [index, emailVerdicts] of deliveries.entries()) {
      const outcome = await recordInbound(
        inboundEmail({
          // A sender each: the mail-loop guard's ten minutes play no part here.
          sender: { address: `member${index}@example.com` },
          externalId: `<auth-${index}@mail.example.com>`,
          threading: { messageId: `<auth-${index}@mail.example.com>`, references: [] },
          emailVerdicts,
        }),
        services,
      );
      sent.push(outcome.outcome === 'created' && outcome.acknowledged);
    }

    expect(sent).toEqual([false, false, true, true]);
    expect([...caseStore.outbox.values()].map((entry) => entry.mail.to)).toEqual([
      ['member2@example.com'],
      ['member3@example.com'],
    ]);
    const opened = [...caseStore.history.values()]
      .flat()
      .filter((event) => event.type === 'case_created')
      .map((event) => event.detail.acknowledgement);
    expect(opened).toEqual([
      expect.stringMatching(/^not sent: DMARC failed/),
      expect.stringMatching(/^not sent: the From address is not authenticated/),
      undefined,
      undefined,
    ]);
  });

  it('guards the mailbox, not each subaddress: plus-tag variants of one sender share the ten minutes (RFC 5233)', async () => {
    const caseStore = new InMemoryCaseStore();
    const services = acknowledgingServices(caseStore);
    const outcomes = [];
    for (const [index, address] of [
      'Maria+a@Example.com',
      'maria+b@example.com',
      'maria@example.com',
    ].entries()) {
      outcomes.push(
        await recordInbound(
          inboundEmail({
            sender: { address },
            externalId: `<loop-${index}@mail.example.com>`,
            threading: { messageId: `<loop-${index}@mail.example.com>`, references: [] },
            subject: `Auto: ticket ${index}`,
          }),
          services,
        ),
      );
    }
    expect(outcomes.map((outcome) => outcome.outcome === 'created' && outcome.acknowledged)).toEqual([
      true,
      false,
      false,
    ]);
    // The acknowledgement still goes to the address as the member wrote it.
    const [entry] = [...caseStore.outbox.values()];
    expect(entry?.mail.to).toEqual(['maria+a@example.com']);
  });

  it('guards the inbox: the dotted and googlemail spellings of one Gmail address share the ten minutes', async () => {
    const caseStore = new InMemoryCaseStore();
    const services = acknowledgingServices(caseStore);
    const acknowledged = [];
    for (const [index, address] of [
      'ana.ruiz@gmail.com',
      'anaruiz@googlemail.com',
      'A.n.a.Ruiz+x@Gmail.com',
    ].entries()) {
      const outcome = await recordInbound(
        inboundEmail({
          sender: { address },
          externalId: `<dots-${index}@mail.example.com>`,
          threading: { messageId: `<dots-${index}@mail.example.com>`, references: [] },
          subject: `Refill ${index}`,
        }),
        services,
      );
      acknowledged.push(outcome.outcome === 'created' && outcome.acknowledged);
    }
    expect(acknowledged).toEqual([true, false, false]);
    expect(inboxOf('first.last@example.com')).toBe('first.last@example.com');
    expect(inboxOf('First.Last+news@GoogleMail.com')).toBe('firstlast@gmail.com');
  });

  it('a stranger who knows a case reference cannot plant the acknowledgement’s Message-ID and catch the member’s answer', async () => {
    const caseStore = new InMemoryCaseStore();
    const services = acknowledgingServices(caseStore);
    // A web form: no Message-ID of the member's for an answer to cite, only ours.
    const form = await recordInbound(
      inboundEmail({ channel: 'form', externalId: 'form-1', threading: { references: [] } }),
      services,
    );
    if (form.outcome !== 'created') throw new Error(form.outcome);
    const reference = `CR-${form.caseId}`;
    await recordInbound(
      inboundEmail({
        sender: { address: 'mallory@attacker.example' },
        externalId: '<plant@attacker.example>',
        subject: 'Hello',
        threading: {
          messageId: '<plant@attacker.example>',
          references: [`<ack.${form.caseId}@pharmacy.example>`],
        },
      }),
      services,
    );
    const ack = caseStore.outbox.get(`acknowledgement#${form.caseId}`);
    const ackId = ack?.mail.headers['Message-ID'] ?? '';
    expect(ackId).not.toBe(`<ack.${form.caseId}@pharmacy.example>`);
    const answer = await recordInbound(
      inboundEmail({
        externalId: '<answer-1@mail.example.com>',
        subject: `Re: We received your message [${reference}]`,
        bodyText: 'My new address is 12 Oak Street.',
        threading: { messageId: '<answer-1@mail.example.com>', inReplyTo: ackId, references: [ackId] },
      }),
      services,
    );
    expect(answer).toMatchObject({ outcome: 'threaded', caseId: form.caseId, unverifiedSender: false });
  });

  it('answers the Reply-To address when the member gave one', async () => {
    const kase = await caseOf();
    const ack = composeAcknowledgement(kase, inboundEmail({ replyTo: 'Maria.Home@Example.com' }), now, desk);
    expect(ack?.entry.mail.to).toEqual(['maria.home@example.com']);
  });

  it('answers an e-mail SES received at its From, never at a Reply-To SES cannot vouch for, and keeps no such Reply-To for replies', async () => {
    const authenticated = { spam: 'PASS', virus: 'PASS', spf: 'PASS', dkim: 'PASS', dmarc: 'PASS' } as const;
    const caseStore = new InMemoryCaseStore();
    const services = acknowledgingServices(caseStore);
    const sent: string[][] = [];
    for (const [index, [from, replyTo]] of [
      // Anyone who owns a domain passes DMARC, and DMARC vouches for no mailbox at a shared provider.
      ['me@attacker.example', 'stranger@victim.example'],
      ['attacker@gmail.com', 'stranger@gmail.com'],
    ].entries()) {
      await recordInbound(
        inboundEmail({
          sender: { address: from },
          replyTo,
          emailVerdicts: authenticated,
          externalId: `<rt-${index}@mail.example>`,
          threading: { messageId: `<rt-${index}@mail.example>`, references: [] },
        }),
        services,
      );
    }
    for (const entry of caseStore.outbox.values()) sent.push(entry.mail.to);

    expect(sent).toEqual([['me@attacker.example'], ['attacker@gmail.com']]);
    // Staff replies go to the case's replyTo, else its sender: the stranger is kept out of both.
    expect([...caseStore.cases.values()].map((kase) => kase.replyTo)).toEqual([undefined, undefined]);
  });
});
