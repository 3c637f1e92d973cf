import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { documentClient } from '../../lambdas/adapters/aws/dynamoDocumentClient.js';
import { DynamoCaseStore } from '../../lambdas/adapters/dynamo/DynamoCaseStore.js';
import { actOnCase } from '../../lambdas/domain/cases/caseActions.js';
import { listCases, viewCase } from '../../lambdas/domain/cases/caseViews.js';
import { claimNextCase, listQueues } from '../../lambdas/domain/cases/claimQueue.js';
import { recordInbound } from '../../lambdas/domain/cases/recordInbound.js';
import { replyToCase } from '../../lambdas/domain/cases/replyToCase.js';
import { sweepSla } from '../../lambdas/domain/cases/slaSweep.js';
import type { StaffMember } from '../../lambdas/domain/cases/staffMember.js';
import type { InboundMessage } from '../../lambdas/domain/inboundMessage.js';
import { acknowledgerFor } from '../../lambdas/domain/outbound/acknowledge.js';
import { deliverNow } from '../../lambdas/domain/outbound/deliverOutbox.js';
import { DEFAULT_POLICY } from '../../lambdas/domain/policy/defaultPolicy.js';
import type { CaseStore, OutboundMail } from '../../lambdas/domain/ports.js';
import { provisionResources } from '../../lambdas/local/provisionResources.js';
import { CASE_STORE_CALLS, type CaseStoreMethod } from '../../lib/constructs/functionAccess.js';

const endpoints = inject('endpoints');

/** IAM action names of what one DynamoDB request needs (a transaction needs each item's action too). */
function iamActions(command: string, input: Record<string, unknown>): string[] {
  const action = command.replace(/Command$/, '');
  if (action !== 'TransactWriteItems') return [action];
  const items = (input.TransactItems ?? []) as Record<string, unknown>[];
  const itemActions = items.flatMap((item) =>
    Object.keys(item).map((kind) => (kind === 'ConditionCheck' ? 'ConditionCheckItem' : `${kind}Item`)),
  );
  return [action, ...itemActions];
}

function message(index: number, at: Date, inReplyTo?: string): InboundMessage {
  const externalId = `<grants-${index}${inReplyTo ? '-reply' : ''}@mail.example.com>`;
  return {
    channel: 'email',
    externalId,
    receivedAt: at.toISOString(),
    sender: { address: `member${index}@example.com` },
    subject: 'Refill for my lisinopril',
    bodyText: 'Please send a refill of my lisinopril prescription.',
    attachments: [],
    threading: inReplyTo
      ? { messageId: externalId, inReplyTo, references: [inReplyTo] }
      : { messageId: externalId, references: [] },
    hints: {},
    automated: false,
  };
}

/**
 * The functions' DynamoDB grants are derived from CASE_STORE_CALLS (lib/constructs/functionAccess.ts).
 * This runs the use cases the functions run — recording mail with its acknowledgement, claim-next,
 * the case lists and view, staff actions (a merge among them), a reply, the SLA sweep and the
 * outbox — against DynamoDB Local, and records, per case-store method, every request the store
 * really makes: a call the declaration misses would be AccessDenied in AWS, and one it declares
 * but never makes is a grant nobody needs.
 */
describe('case-store grants against the calls DynamoCaseStore makes (finding 4)', () => {
  const observed = new Map<CaseStoreMethod, { actions: Set<string>; indexes: Set<string> }>();
  const sent: OutboundMail[] = [];
  beforeAll(async () => {
    const resources = await provisionResources(endpoints, `grants-${randomUUID().slice(0, 8)}`);
    const client = documentClient(endpoints);
    const active: CaseStoreMethod[] = [];
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const input = args.input as Record<string, unknown>;
        for (const method of active) {
          const entry = observed.get(method) ?? { actions: new Set(), indexes: new Set() };
          for (const action of iamActions(String(context.commandName), input)) entry.actions.add(action);
          if (typeof input.IndexName === 'string') entry.indexes.add(input.IndexName);
          observed.set(method, entry);
        }
        return next(args);
      },
      { step: 'initialize', name: 'recordCalls' },
    );
    const store = new DynamoCaseStore(client, { tableName: resources.tableName });
    // Every public method records its calls, and those of the methods it calls in turn.
    const caseStore = new Proxy(store, {
      get(target, property, receiver) {
        const value = Reflect.get(target, property, receiver);
        if (typeof value !== 'function' || !(property in CASE_STORE_CALLS)) return value;
        const method = property as CaseStoreMethod;
        return async (...args: unknown[]) => {
          active.push(method);
          try {
            return await value.apply(target, args);
          } finally {
            active.splice(active.lastIndexOf(method), 1);
          }
        };
      },
    }) as CaseStore;

    // Tuesday 09:00 Central: business hours, so every clock runs.
    let now = new Date('2026-12-01T15:00:00.000Z');
    const clock = { now: () => now };
    const policy = DEFAULT_POLICY;
    const metrics = { count: () => {} };
    const desk = { address: 'support@desk.example', name: 'Member Services', timeZone: 'America/Chicago' };
    const mailer = {
      send: async (mail: OutboundMail) => {
        sent.push(mail);
        const id = `ses-${sent.length}`;
        // As SES answers: its id, and the Message-ID the member's copy carries.
        return { providerMessageId: id, deliveredMessageIds: [`<${id}@email.amazonses.com>`] };
      },
    };
    const outbox = { caseStore, mailer, clock };
    const staff = { caseStore, clock, policy, leaseMs: 15 * 60_000, metrics };
    const alice: StaffMember = { id: 'alice', role: 'agent', languages: ['en', 'es'] };
    const sam: StaffMember = { id: 'sam', role: 'supervisor', languages: ['en'] };

    // route-inbound: new cases with their acknowledgements (sent at once), replies, a redelivery.
    const created: { caseId: string; queue: string }[] = [];
    for (let index = 0; index < 4; index++) {
      const first = message(index, now);
      const entries: Parameters<typeof deliverNow>[0][number][] = [];
      const acknowledge = acknowledgerFor(desk);
      const outcome = await recordInbound(first, {
        caseStore,
        clock,
        policy,
        acknowledge: (kase, inbound, at) => {
          const acknowledgement = acknowledge(kase, inbound, at);
          if (acknowledgement) entries.push(acknowledgement.entry);
          return acknowledgement;
        },
      });
      if (outcome.outcome === 'created') created.push({ caseId: outcome.caseId, queue: outcome.queue });
      await deliverNow(entries, outbox);
      await recordInbound(message(index, now, first.externalId), { caseStore, clock, policy });
      await recordInbound(first, { caseStore, clock, policy });
    }

    // A bounce of the first acknowledgement, as SES returns it: found by the mail it returns.
    const bounced = '<ses-1@email.amazonses.com>';
    await recordInbound(
      {
        ...message(9, now),
        externalId: '<grants-bounce@email.amazonses.com>',
        sender: { address: 'MAILER-DAEMON@email-bounces.amazonses.com' },
        automated: true,
        threading: { messageId: '<grants-bounce@email.amazonses.com>', references: [bounced] },
        deliveryReport: {
          originalMessageId: bounced,
          recipients: [{ recipient: 'member0@example.com', action: 'failed', status: '5.1.1' }],
        },
      },
      { caseStore, clock, policy },
    );

    // The staff API: the board, claim-next, lists, the view, a reply sent at once, actions, a merge.
    await listQueues(staff);
    const claimed = await claimNextCase(created[0]?.queue ?? '', alice, staff);
    if (claimed.outcome === 'claimed') {
      await listCases({ assignee: alice.id }, { limit: 10 }, staff);
      await viewCase(claimed.case.caseId, staff);
      const reply = await replyToCase({ text: 'We have sent a replacement.' }, claimed.case.caseId, alice, {
        ...staff,
        desk,
      });
      if (reply.outcome === 'done') await deliverNow([reply.entry], outbox);
      await actOnCase({ action: 'resolve' }, claimed.case.caseId, alice, staff);
      await listCases({ queue: claimed.case.queue, state: 'resolved' }, { limit: 10 }, staff);
    }
    // Two of the cases still queued (claim-next took whichever its queue serves first).
    const [duplicate, survivor] = created.filter(
      ({ caseId }) => claimed.outcome !== 'claimed' || caseId !== claimed.case.caseId,
    );
    await listCases({ queue: duplicate?.queue ?? '', state: 'queued' }, { limit: 10 }, staff);
    const merged = await actOnCase(
      { action: 'merge', into: survivor?.caseId ?? '' },
      duplicate?.caseId ?? '',
      sam,
      staff,
    );
    if (merged.outcome !== 'done') throw new Error(`the merge did not happen: ${merged.outcome}`);

    // The sweeper: a week later every clock has warned and breached; notices go out through the outbox.
    now = new Date(now.getTime() + 7 * 24 * 3_600_000);
    for (let run = 0; run < 3; run++) {
      await sweepSla({ caseStore, clock, policy, mailer, metrics }, { limit: 100 });
    }
  });

  it('exercises every case-store method (so the comparison below means something)', () => {
    expect([...observed.keys()].sort()).toEqual(Object.keys(CASE_STORE_CALLS).sort());
    expect(sent.length).toBeGreaterThan(0);
  });

  it('declares every DynamoDB action and index each case-store method uses', () => {
    for (const [method, { actions, indexes }] of observed) {
      const declared: { actions: readonly string[]; indexes?: readonly string[] } = CASE_STORE_CALLS[method];
      expect(
        [...actions].filter((action) => !declared.actions.includes(action)),
        method,
      ).toEqual([]);
      expect(
        [...indexes].filter((index) => !(declared.indexes ?? []).includes(index)),
        method,
      ).toEqual([]);
    }
  });

  it('declares no action or index a case-store method never uses (least privilege)', () => {
    for (const [method, declared] of Object.entries(CASE_STORE_CALLS) as [
      CaseStoreMethod,
      { actions: readonly string[]; indexes?: readonly string[] },
    ][]) {
      const used = observed.get(method);
      expect(
        declared.actions.filter((action) => !used?.actions.has(action)),
        method,
      ).toEqual([]);
      expect(
        (declared.indexes ?? []).filter((index) => !used?.indexes.has(index)),
        method,
      ).toEqual([]);
    }
  });
});
