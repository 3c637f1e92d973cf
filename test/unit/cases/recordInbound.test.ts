import { describe, expect, it } from 'vitest';
import { caseIdFor, caseReference } from '../../../lambdas/domain/cases/caseIds.js';
import { SUSPENDED_QUEUE } from '../../../lambdas/domain/cases/caseRecord.js';
import { inboundKeyOf } from '../../../lambdas/domain/cases/messageIdentity.js';
import { recordInbound, STORED_TEXT_LIMIT } from '../../../lambdas/domain/cases/recordInbound.js';
import { DEFAULT_POLICY } from '../../../lambdas/domain/policy/defaultPolicy.js';
import { InMemoryCaseStore } from '../../helpers/InMemoryCaseStore.js';
import { inboundEmail } from '../../helpers/inboundMessages.js';

const fixedClock = { now: () => new Date('2026-11-27T16:00:05.000Z') };

function services() {
  return { caseStore: new InMemoryCaseStore(), clock: fixedClock, policy: DEFAULT_POLICY };
}

describe('recordInbound', () => {
  it('opens a routed case whose preview and message carry no identifiers', async () => {
    const deps = services();
    const outcome = await recordInbound(inboundEmail(), deps);

    expect(outcome).toEqual({
      outcome: 'created',
      caseId: caseIdFor('email', inboundKeyOf(inboundEmail())),
      queue: 'fulfillment',
      acknowledged: false,
    });
    const view = await deps.caseStore.getCase(outcome.caseId);
    expect(view?.case).toMatchObject({
      state: 'queued',
      topic: 'refill',
      piiTypes: ['SSN'],
      policyVersion: DEFAULT_POLICY.version,
    });
    expect(view?.case.preview).not.toContain('123-45-6789');
    expect(view?.messages[0]?.text).not.toContain('123-45-6789');
    expect(view?.case.sla.firstResponseDueAt).toBeDefined();
  });

  it('reports the same message delivered twice as a duplicate of one case', async () => {
    const deps = services();
    const first = await recordInbound(inboundEmail(), deps);
    const second = await recordInbound(inboundEmail(), deps);
    expect(second).toEqual({ outcome: 'duplicate', caseId: first.caseId });
    expect(deps.caseStore.cases.size).toBe(1);
  });

  it('threads a reply by In-Reply-To into the case it answers', async () => {
    const deps = services();
    const first = await recordInbound(inboundEmail(), deps);
    const reply = inboundEmail({
      externalId: '<refill-2@mail.example.com>',
      subject: 'Re: Refill for my lisinopril',
      bodyText: 'Any news?',
      threading: {
        messageId: '<refill-2@mail.example.com>',
        inReplyTo: '<refill-1@mail.example.com>',
        references: [],
      },
    });
    expect(await recordInbound(reply, deps)).toEqual({
      outcome: 'threaded',
      caseId: first.caseId,
      unverifiedSender: false,
    });
    expect(deps.caseStore.messages.get(first.caseId)).toHaveLength(2);
  });

  it('threads a message naming the case reference in its subject', async () => {
    const deps = services();
    const first = await recordInbound(inboundEmail(), deps);
    const followUp = inboundEmail({
      externalId: '<other@mail.example.com>',
      subject: `About ${caseReference(first.caseId)}`,
      threading: { messageId: '<other@mail.example.com>', references: [] },
    });
    expect(await recordInbound(followUp, deps)).toEqual({
      outcome: 'threaded',
      caseId: first.caseId,
      unverifiedSender: false,
    });
  });

  it('opens a new case when a subject names a reference that does not exist', async () => {
    const deps = services();
    const outcome = await recordInbound(inboundEmail({ subject: 'Re: CR-0000000000 refill please' }), deps);
    expect(outcome.outcome).toBe('created');
  });

  it('parks automated mail that matches no case in the suspended queue at low priority', async () => {
    const deps = services();
    const outcome = await recordInbound(
      inboundEmail({ automated: true, subject: 'Out of office', bodyText: 'I am away until Monday.' }),
      deps,
    );
    expect(outcome).toMatchObject({ outcome: 'created', queue: SUSPENDED_QUEUE });
    const parked = deps.caseStore.cases.get(outcome.caseId);
    expect(parked).toMatchObject({ priority: 'low', automated: true });
    expect(parked?.clocks.clocks).toEqual([]);
    expect(parked?.nextTimerAt).toBeUndefined();
  });

  it('stores a very long message truncated with a note, keeping the item small', async () => {
    const deps = services();
    const outcome = await recordInbound(
      inboundEmail({ bodyText: `Refill please. ${'word '.repeat(40_000)}` }),
      deps,
    );
    const text = deps.caseStore.messages.get(outcome.caseId)?.[0]?.text ?? '';
    expect(text.length).toBeLessThan(STORED_TEXT_LIMIT + 100);
    expect(text).toMatch(/\[truncated: the full message is in the raw original\]$/);
  });

  it("sends a message below the policy's topic confidence to the triage queue, flagged for a person", async () => {
    // A policy that trusts no classification: whatever the classifier says, a person decides.
    const deps = { ...services(), policy: { ...DEFAULT_POLICY, minTopicConfidence: 1 } };
    const outcome = await recordInbound(inboundEmail(), deps);
    expect(outcome).toMatchObject({ outcome: 'created', queue: DEFAULT_POLICY.triageQueue });
    expect(deps.caseStore.cases.get(outcome.caseId)?.needsTriage).toBe(true);
  });
});
