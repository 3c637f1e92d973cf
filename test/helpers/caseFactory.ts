import { caseIdFor, caseReference } from '../../lambdas/domain/cases/caseIds.js';
import type { Case } from '../../lambdas/domain/cases/caseRecord.js';
import { type RecordInboundServices, recordInbound } from '../../lambdas/domain/cases/recordInbound.js';
import type { InboundMessage } from '../../lambdas/domain/inboundMessage.js';
import { DEFAULT_POLICY } from '../../lambdas/domain/policy/defaultPolicy.js';
import type { Priority } from '../../lambdas/domain/policy/policy.js';
import { InMemoryCaseStore } from './InMemoryCaseStore.js';
import { inboundEmail } from './inboundMessages.js';

/** A real case as recordInbound makes it (routing, clocks, timers), to clone into many. */
export async function caseTemplate(receivedAt = '2026-12-01T15:00:00.000Z'): Promise<Case> {
  const caseStore = new InMemoryCaseStore();
  const created = await recordInbound(inboundEmail({ receivedAt }), {
    caseStore,
    clock: { now: () => new Date(receivedAt) },
    policy: DEFAULT_POLICY,
  });
  const kase = caseStore.cases.get(created.caseId);
  if (!kase) throw new Error('the template case was not recorded');
  return kase;
}

/**
 * The template's due times with the first response due at `dueAt`: the first-response clock (which
 * the queue orders by while it runs) and the summary. The other clocks run on unchanged; the
 * resolution clock's 120 business hours end after any first-response due time a test gives.
 */
function withFirstResponseDue(template: Case, dueAt: string): Pick<Case, 'sla' | 'clocks'> {
  return {
    sla: { ...template.sla, firstResponseDueAt: dueAt },
    clocks: {
      ...template.clocks,
      clocks: template.clocks.clocks.map((clock) =>
        clock.id === 'firstResponse' ? { ...clock, dueAt } : clock,
      ),
    },
  };
}

/** A queued case cloned from the template, with its own id, priority, language, due time and receipt. */
export function queuedCase(
  template: Case,
  overrides: {
    key: string;
    priority?: Priority;
    language?: string;
    queue?: string;
    receivedAt?: string;
    firstResponseDueAt?: string;
  },
): Case {
  const caseId = caseIdFor('email', overrides.key);
  return {
    ...template,
    caseId,
    reference: caseReference(caseId),
    state: 'queued',
    queue: overrides.queue ?? template.queue,
    priority: overrides.priority ?? template.priority,
    language: overrides.language ?? template.language,
    receivedAt: overrides.receivedAt ?? template.receivedAt,
    queuedAt: overrides.receivedAt ?? template.queuedAt,
    ...(overrides.firstResponseDueAt ? withFirstResponseDue(template, overrides.firstResponseDueAt) : {}),
    participants: [`member-${overrides.key}@example.com`],
    sender: { address: `member-${overrides.key}@example.com` },
  };
}

/**
 * Opens e-mail cases at the services' clock time, each a message of its own (its own Message-ID and,
 * unless overridden, its own member), and returns each case as recorded.
 */
export function emailCaseOpener(
  services: RecordInboundServices & { caseStore: InMemoryCaseStore },
): (overrides?: Partial<InboundMessage>) => Promise<Case> {
  let next = 0;
  return async (overrides = {}) => {
    next += 1;
    const messageId = `<case-${next}@mail.example.com>`;
    const created = await recordInbound(
      inboundEmail({
        externalId: messageId,
        receivedAt: services.clock.now().toISOString(),
        sender: { address: `member${next}@example.com` },
        threading: { messageId, references: [] },
        ...overrides,
      }),
      services,
    );
    const kase = services.caseStore.cases.get(created.caseId);
    if (!kase) throw new Error('not recorded');
    return kase;
  };
}
