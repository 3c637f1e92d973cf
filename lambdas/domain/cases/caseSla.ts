import type { CaseClocks } from '../sla/clocks.js';
import type { Case } from './caseRecord.js';

/**
 * The case's due-time summary (`sla`: what the queue orders by and staff see) after its clocks moved:
 * each due time is its clock's, where that clock is running with a due time; the rest stay as they were.
 */
export function slaOfClocks(sla: Case['sla'], clocks: CaseClocks): Case['sla'] {
  const dueOf = (id: string) =>
    clocks.clocks.find((clock) => clock.id === id && clock.state === 'running')?.dueAt;
  const resolutionDueAt = dueOf('resolution') ?? sla.resolutionDueAt;
  const regulatoryDueAt = dueOf('regulatory') ?? sla.regulatoryDueAt;
  return {
    firstResponseDueAt: dueOf('firstResponse') ?? sla.firstResponseDueAt,
    ...(resolutionDueAt ? { resolutionDueAt } : {}),
    ...(regulatoryDueAt ? { regulatoryDueAt } : {}),
  };
}
