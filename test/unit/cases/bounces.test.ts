import { describe, expect, it } from 'vitest';
import type { CaseActionRequest } from '../../../lambdas/domain/cases/caseActions.js';
import { actOnCase } from '../../../lambdas/domain/cases/caseActions.js';
import { SUSPENDED_QUEUE } from '../../../lambdas/domain/cases/caseRecord.js';
import { messageThreadKey } from '../../../lambdas/domain/cases/messageIdentity.js';
import { recordInbound } from '../../../lambdas/domain/cases/recordInbound.js';
import type { StaffMember } from '../../../lambdas/domain/cases/staffMember.js';
import type { InboundMessage } from '../../../lambdas/domain/inboundMessage.js';
import type { DeliveryRecipient } from '../../../lambdas/domain/ingest/deliveryReport.js';
import { DEFAULT_POLICY } from '../../../lambdas/domain/policy/defaultPolicy.js';
import { InMemoryCaseStore } from '../../helpers/InMemoryCaseStore.js';
import { inboundEmail } from '../../helpers/inboundMessages.js';

/** The Message-ID SES gave the desk's mail to the member: registered on the case when it was sent. */
const OURS = '<0100018c-ours@email.amazonses.com>';
const ana = { id: 'ana', role: 'agent' as const, languages: ['en'] };
const sue = { id: 'sue', role: 'supervisor' as const, languages: ['en'] };

function desk(startIso = '2026-11-27T16:00:05.000Z') {
  let now = new Date(startIso);
  const clock = { now: () => now };
  const caseStore = new InMemoryCaseStore();
  const services = { caseStore, clock, policy: DEFAULT_POLICY };
  const staffServices = { ...services, metrics: { count: () => {} }, leaseMs: 15 * 60_000 };
  return {
    caseStore,
    services,
    advance: (ms: number) => {
      now = new Date(now.getTime() + ms);
    },
    act: async (request: CaseActionRequest, caseId: string, staff: StaffMember = ana) =>
      expect(await actOnCase(request, caseId, staff, staffServices)).toMatchObject({ outcome: 'done' }),
    /** A case from the member, with the desk's mail to them on record. */
    async memberCase() {
      const created = await recordInbound(inboundEmail(), services);
      await caseStore.registerThreadKeys(created.caseId, [messageThreadKey(OURS)]);
      return created.caseId;
    },
  };
}

function bounce(
  id: string,
  recipients: DeliveryRecipient[],
  receivedAt = '2026-11-27T18:00:00.000Z',
): InboundMessage {
  return inboundEmail({
    externalId: `<${id}@email.amazonses.com>`,
    receivedAt,
    sender: { address: 'MAILER-DAEMON@email-bounces.amazonses.com' },
    subject: 'Delivery Status Notification (Failure)',
    bodyText:
      'An error occurred while trying to deliver the mail to the following recipients: maria@example.com',
    threading: { messageId: `<${id}@email.amazonses.com>`, references: [OURS] },
    automated: true,
    deliveryReport: { originalMessageId: OURS, recipients },
  });
}

const userUnknown: DeliveryRecipient = {
  recipient: 'maria@example.com',
  action: 'failed',
  status: '5.1.1',
  // A remote server may echo anything back; what staff see of it is redacted like a message.
  diagnostic: '550 5.1.1 user unknown (member SSN 123-45-6789)',
};

describe('a bounce of the desk mail joins the case it was sent from', () => {
  it('puts a pending case back in its queue, its paused clocks running again, and says why', async () => {
    const d = desk();
    const caseId = await d.memberCase();
    await d.act({ action: 'reassign', to: 'ana' }, caseId, sue);
    await d.act({ action: 'pend', reason: 'asked for the prescriber name' }, caseId);
    const pending = await d.caseStore.getCaseRecord(caseId);
    expect(pending?.clocks.clocks.some((clock) => clock.state === 'paused')).toBe(true);
    d.advance(60 * 60_000);

    expect(await recordInbound(bounce('b1', [userUnknown]), d.services)).toMatchObject({
      outcome: 'threaded',
      caseId,
    });
    const view = await d.caseStore.getCase(caseId);
    expect(view?.case).toMatchObject({ state: 'queued', queue: pending?.queue });
    expect(view?.case.assignee).toBeUndefined();
    expect(view?.case.clocks.clocks.some((clock) => clock.state === 'paused')).toBe(false);
    // Nobody wrote: no next-response clock starts.
    expect(view?.case.clocks.clocks.map((clock) => clock.kind)).toEqual(
      pending?.clocks.clocks.map((c) => c.kind),
    );
    const failed = view?.history.find((event) => event.type === 'delivery_failed');
    expect(failed?.detail).toEqual({
      recipients: [
        {
          recipient: 'maria@example.com',
          status: '5.1.1',
          diagnostic: '550 5.1.1 user unknown (member SSN [SSN])',
        },
      ],
      originalMessageId: OURS,
      effect: `back in ${pending?.queue}: the member never got what the case waits on`,
    });
    expect(view?.messages.at(-1)).toMatchObject({
      direction: 'inbound',
      externalId: '<b1@email.amazonses.com>',
    });
  });

  it('reopens a case resolved within the reopen window, and only records one resolved before it', async () => {
    const d = desk();
    const caseId = await d.memberCase();
    await d.act({ action: 'reassign', to: 'ana' }, caseId, sue);
    await d.act({ action: 'resolve', resolution: 'refill sent' }, caseId);

    await recordInbound(bounce('b2', [userUnknown], '2026-11-27T18:00:00.000Z'), d.services);
    const reopened = await d.caseStore.getCase(caseId);
    expect(reopened?.case.state).toBe('queued');
    expect(reopened?.history.map((event) => event.type).slice(-2)).toEqual(['delivery_failed', 'reopened']);
    expect(reopened?.history.at(-1)?.detail).toEqual({
      action: 'reopen',
      reason: 'our e-mail to the member bounced',
    });

    await d.act({ action: 'reassign', to: 'ana' }, caseId, sue);
    await d.act({ action: 'resolve', resolution: 'phoned the member' }, caseId);
    d.advance((DEFAULT_POLICY.caseRules.reopenWindowDays + 1) * 86_400_000);
    await recordInbound(bounce('b3', [userUnknown], d.services.clock.now().toISOString()), d.services);
    const late = await d.caseStore.getCase(caseId);
    expect(late?.case.state).toBe('resolved');
    expect(late?.history.at(-1)).toMatchObject({ type: 'delivery_failed' });
    expect(late?.history.at(-1)?.detail).not.toHaveProperty('effect');
  });

  it('leaves a claimed case with its holder, and records a delay without moving anything', async () => {
    const d = desk();
    const caseId = await d.memberCase();
    await d.act({ action: 'reassign', to: 'ana' }, caseId, sue);

    await recordInbound(bounce('b4', [userUnknown]), d.services);
    expect(await d.caseStore.getCaseRecord(caseId)).toMatchObject({ state: 'claimed', assignee: 'ana' });

    await d.act({ action: 'pend' }, caseId);
    await recordInbound(
      bounce('b5', [{ recipient: 'maria@example.com', action: 'delayed', status: '4.4.7' }]),
      d.services,
    );
    const view = await d.caseStore.getCase(caseId);
    expect(view?.case.state).toBe('pending');
    expect(view?.history.at(-1)).toMatchObject({
      type: 'delivery_delayed',
      detail: { recipients: [{ recipient: 'maria@example.com', status: '4.4.7' }], originalMessageId: OURS },
    });
  });

  it('a bounce of mail the desk never sent is parked for review, as other automated mail', async () => {
    const d = desk();
    await d.memberCase();
    const stray = bounce('b6', [userUnknown]);
    const outcome = await recordInbound(
      {
        ...stray,
        // As the parser reads it: the returned Message-ID is in References as well.
        threading: { ...stray.threading, references: ['<never-sent@example.org>'] },
        deliveryReport: { originalMessageId: '<never-sent@example.org>', recipients: [userUnknown] },
      },
      d.services,
    );
    expect(outcome).toMatchObject({ outcome: 'created', queue: SUSPENDED_QUEUE });
  });
});

describe('a delivery report acts on a case only when its returned Message-ID is mail of that case', () => {
  it('a report that finds the case by the reference in its subject records nothing and wakes nothing', async () => {
    const d = desk();
    const caseId = await d.memberCase();
    const reference = (await d.caseStore.getCaseRecord(caseId))?.reference ?? '';
    await d.act({ action: 'reassign', to: 'ana' }, caseId, sue);
    await d.act({ action: 'pend', reason: 'asked for the prescriber name' }, caseId);
    // Forged (anyone who learns a reference can send it), or the bounce of a supervisor notice
    // ("[SLA breach] CR-…"), whose SES Message-ID no case holds.
    const forged = bounce('b7', [userUnknown]);
    const outcome = await recordInbound(
      {
        ...forged,
        subject: `Undeliverable: [SLA breach] ${reference}: first_response`,
        threading: { messageId: '<b7@email.amazonses.com>', references: [] },
        deliveryReport: { recipients: [userUnknown] },
      },
      d.services,
    );
    expect(outcome).toMatchObject({ outcome: 'threaded', caseId });
    const view = await d.caseStore.getCase(caseId);
    expect(view?.case).toMatchObject({ state: 'pending', assignee: 'ana' });
    expect(view?.history.some((event) => event.type === 'delivery_failed')).toBe(false);
  });

  it("a report whose own References name the case's thread, but returns mail of no case, reopens nothing", async () => {
    const d = desk();
    const caseId = await d.memberCase();
    await d.act({ action: 'reassign', to: 'ana' }, caseId, sue);
    await d.act({ action: 'resolve', resolution: 'refill sent' }, caseId);
    const forged = bounce('b8', [userUnknown]);
    await recordInbound(
      {
        ...forged,
        threading: {
          messageId: '<b8@email.amazonses.com>',
          // The member's own message (known to whoever was copied on it), then the "returned" id.
          references: ['<refill-1@mail.example.com>', '<never-sent@example.org>'],
        },
        deliveryReport: { originalMessageId: '<never-sent@example.org>', recipients: [userUnknown] },
      },
      d.services,
    );
    const view = await d.caseStore.getCase(caseId);
    expect(view?.case.state).toBe('resolved');
    expect(view?.history.some((event) => event.type === 'delivery_failed')).toBe(false);
  });

  it('records a complaint about the desk mail on its case, and moves nothing', async () => {
    const d = desk();
    const caseId = await d.memberCase();
    await d.act({ action: 'reassign', to: 'ana' }, caseId, sue);
    await d.act({ action: 'pend' }, caseId);
    const { deliveryReport: _none, ...complaint } = bounce('c1', [userUnknown]);
    await recordInbound(
      {
        ...complaint,
        sender: { address: 'staff@fbl.mail.example.net' },
        subject: 'complaint about message from 54.240.8.1',
        feedbackReport: { feedbackType: 'abuse', originalMessageId: OURS },
      },
      d.services,
    );
    const view = await d.caseStore.getCase(caseId);
    expect(view?.case.state).toBe('pending');
    expect(view?.history.at(-1)).toMatchObject({
      type: 'complaint_received',
      detail: { feedbackType: 'abuse', originalMessageId: OURS },
    });
  });

  it.each(['not-spam', 'auth-failure'])(
    'records no complaint for a %s feedback report: the member did not report our mail as spam',
    async (feedbackType) => {
      // RFC 6430 §2: `not-spam` says the reporter believes the message is not spam; RFC 6591 §3:
      // `auth-failure` reports an authentication check that failed. Neither is the member's complaint,
      // and the console would tell staff the member reported our mail as spam and is suppressed.
      const d = desk();
      const caseId = await d.memberCase();
      const { deliveryReport: _none, ...report } = bounce('c2', [userUnknown]);
      expect(
        await recordInbound(
          {
            ...report,
            sender: { address: 'staff@fbl.mail.example.net' },
            subject: 'report about message from 54.240.8.1',
            feedbackReport: { feedbackType, originalMessageId: OURS },
          },
          d.services,
        ),
      ).toMatchObject({ outcome: 'threaded', caseId });
      const view = await d.caseStore.getCase(caseId);
      expect(view?.history.some((event) => event.type === 'complaint_received')).toBe(false);
    },
  );

  it("a report that returns the member's own Message-ID (no mail of the desk's) wakes nothing", async () => {
    const d = desk();
    const caseId = await d.memberCase();
    await d.act({ action: 'reassign', to: 'ana' }, caseId, sue);
    await d.act({ action: 'pend' }, caseId);
    // Whoever the member copied knows the id of the member's mail, and can forge a bounce "of" it.
    const member = '<refill-1@mail.example.com>';
    const forged = bounce('b9', [userUnknown]);
    await recordInbound(
      {
        ...forged,
        threading: { messageId: '<b9@email.amazonses.com>', references: [member] },
        deliveryReport: { originalMessageId: member, recipients: [userUnknown] },
      },
      d.services,
    );
    const view = await d.caseStore.getCase(caseId);
    expect(view?.case.state).toBe('pending');
    expect(view?.history.some((event) => event.type === 'delivery_failed')).toBe(false);
  });
});
