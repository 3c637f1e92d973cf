import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { documentClient } from '../../lambdas/adapters/aws/dynamoDocumentClient.js';
import { DynamoCaseStore } from '../../lambdas/adapters/dynamo/DynamoCaseStore.js';
import { recordInbound } from '../../lambdas/domain/cases/recordInbound.js';
import { actOnCase } from '../../lambdas/domain/cases/staffActions.js';
import { claimNextCase, listQueues, viewCase } from '../../lambdas/domain/cases/staffWork.js';
import { sweepTimers } from '../../lambdas/domain/cases/sweepTimers.js';
import type { InboundMessage } from '../../lambdas/domain/inboundMessage.js';
import { DEFAULT_POLICY } from '../../lambdas/domain/policy/defaultPolicy.js';
import type { CaseStore } from '../../lambdas/domain/ports.js';
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
 * This runs the use cases against DynamoDB Local and records, per case-store method, every request
 * the store really makes: a call the declaration misses would be AccessDenied in AWS.
 */
describe('case-store grants against the calls DynamoCaseStore makes (finding 4)', () => {
  const observed = new Map<CaseStoreMethod, { actions: Set<string>; indexes: Set<string> }>();
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

    let now = new Date('2026-12-01T15:00:00.000Z');
    const clock = { now: () => now };
    const policy = DEFAULT_POLICY;
    const staff = { caseStore, clock, policy, leaseMs: 15 * 60_000, metrics: { count: () => {} } };
    const created: { queue: string; externalId: string }[] = [];
    for (let index = 0; index < 4; index++) {
      const first = message(index, now);
      const outcome = await recordInbound(first, { caseStore, clock, policy });
      if (outcome.outcome === 'created') created.push({ queue: outcome.queue, externalId: first.externalId });
      await recordInbound(message(index, now, first.externalId), { caseStore, clock, policy });
      await recordInbound(first, { caseStore, clock, policy });
    }
    await listQueues(staff);
    const claim = await claimNextCase(created[0]?.queue ?? '', 'alice', staff);
    if (claim.outcome === 'claimed') {
      await viewCase(claim.case.caseId, staff);
      await actOnCase('resolve', claim.case.caseId, 'alice', staff);
    }
    now = new Date(now.getTime() + 7 * 24 * 3_600_000);
    const sweep = {
      caseStore,
      clock,
      policy,
      mailer: { send: async () => {} },
      metrics: { count: () => {} },
    };
    for (let run = 0; run < 3; run++) await sweepTimers(sweep, { limit: 100 });
  });

  it('exercises nearly every case-store method (so the comparison below means something)', () => {
    expect(observed.size).toBeGreaterThanOrEqual(Object.keys(CASE_STORE_CALLS).length - 1);
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
});
