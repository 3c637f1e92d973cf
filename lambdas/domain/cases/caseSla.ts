import type { CaseClocks } from '../sla/clocks.js';
import type { Case } from './caseRecord.js';

/**
 * The case's due-time summary (`sla`: what the queue orders by and staff see) after its clocks moved:
 * each due time is its clock's, where that clock is running with a due time; the rest stay as they were.
 * `nextDueAt` is the earliest due time of any running clock (a next response too): a met first
 * response no longer puts a woken case ahead of cases whose deadlines are still to come.
 */
export function slaOfClocks(sla: Case['sla'], clocks: CaseClocks): Case['sla'] {
  const dueOf = (id: string) =>
    clocks.clocks.find((clock) => clock.id === id && clock.state === 'running')?.dueAt;
  const resolutionDueAt = dueOf('resolution') ?? sla.resolutionDueAt;
  const regulatoryDueAt = dueOf('regulatory') ?? sla.regulatoryDueAt;
  const nextDueAt = clocks.clocks
    .filter((clock) => clock.state === 'running' && clock.dueAt !== undefined)
    .map((clock) => new Date(clock.dueAt ?? '').toISOString())
    .sort()[0];
  return {
    firstResponseDueAt: dueOf('firstResponse') ?? sla.firstResponseDueAt,
    ...(resolutionDueAt ? { resolutionDueAt } : {}),
    ...(regulatoryDueAt ? { regulatoryDueAt } : {}),
    ...(nextDueAt ? { nextDueAt } : {}),
  };
}
