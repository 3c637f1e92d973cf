import { DateTime } from 'luxon';
import type { Program } from '../triage/taxonomy.js';
import * as z from '../zodMini.js';

/**
 * The Medicare Part D decision a request starts (42 CFR part 423, subpart M):
 * a coverage determination (§423.566), a redetermination (appeal, §423.580) or a grievance (§423.564).
 */
export const RegulatoryKindSchema = z.enum(['coverageDetermination', 'redetermination', 'grievance']);
export type RegulatoryKind = z.infer<typeof RegulatoryKindSchema>;

/** Standard, expedited (§§423.570, 423.584) or a request for payment of a drug already bought. */
export const RegulatoryVariantSchema = z.enum(['standard', 'expedited', 'payment']);
export type RegulatoryVariant = z.infer<typeof RegulatoryVariantSchema>;

/** A regulatory time limit: calendar time from receipt, never paused. */
export interface RegulatoryLimit {
  kind: RegulatoryKind;
  variant: RegulatoryVariant;
  durationMs: number;
  /** Set for limits in calendar days: counted in local days too, so a DST change never lengthens them. */
  calendarDays?: number;
  /** Human wording of the limit, e.g. `7 calendar days`. */
  limit: string;
  citation: string;
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/**
 * Medicare Part D adjudication time limits. These are law, not policy: a policy file can choose
 * which kind a rule starts, never make the limit longer. A limit in calendar days ends at the receipt's
 * wall-clock time N days later, or after N × 24 hours if that is earlier (a DST change never
 * lengthens it), which is never later than the end of the last day.
 */
export const PART_D_LIMITS: Readonly<
  Record<RegulatoryKind, Partial<Record<RegulatoryVariant, RegulatoryLimit>>>
> = {
  coverageDetermination: {
    standard: {
      kind: 'coverageDetermination',
      variant: 'standard',
      durationMs: 72 * HOUR,
      limit: '72 hours',
      citation: '42 CFR 423.568(b)',
    },
    expedited: {
      kind: 'coverageDetermination',
      variant: 'expedited',
      durationMs: 24 * HOUR,
      limit: '24 hours',
      citation: '42 CFR 423.572(a)',
    },
    payment: {
      kind: 'coverageDetermination',
      variant: 'payment',
      durationMs: 14 * DAY,
      calendarDays: 14,
      limit: '14 calendar days',
      citation: '42 CFR 423.568(c)',
    },
  },
  redetermination: {
    standard: {
      kind: 'redetermination',
      variant: 'standard',
      durationMs: 7 * DAY,
      calendarDays: 7,
      limit: '7 calendar days',
      citation: '42 CFR 423.590(a)(1)',
    },
    expedited: {
      kind: 'redetermination',
      variant: 'expedited',
      durationMs: 72 * HOUR,
      limit: '72 hours',
      citation: '42 CFR 423.590(d)(1)',
    },
    payment: {
      kind: 'redetermination',
      variant: 'payment',
      durationMs: 14 * DAY,
      calendarDays: 14,
      limit: '14 calendar days',
      citation: '42 CFR 423.590(b)',
    },
  },
  grievance: {
    standard: {
      kind: 'grievance',
      variant: 'standard',
      durationMs: 30 * DAY,
      calendarDays: 30,
      limit: '30 days',
      citation: '42 CFR 423.564(e)(1)',
    },
    expedited: {
      kind: 'grievance',
      variant: 'expedited',
      durationMs: 24 * HOUR,
      limit: '24 hours',
      citation: '42 CFR 423.564(f)',
    },
  },
};

/**
 * A coverage determination or redetermination not decided within its limit is an adverse decision by
 * rule, and the plan must forward the request to the independent review entity (IRE) within 24 hours
 * of the limit's expiry (42 CFR 423.568 and 423.572 for coverage determinations, 423.590 for
 * redeterminations). Grievances have no IRE stage. Undefined for a kind without one.
 */
export const IRE_FORWARD_MS = 24 * HOUR;

export function ireForwardCitation(kind: RegulatoryKind): string | undefined {
  if (kind === 'coverageDetermination') return '42 CFR 423.568, 423.572';
  if (kind === 'redetermination') return '42 CFR 423.590';
  return undefined;
}

/** What routing knows when it picks a regulatory limit. */
export interface RegulatoryFacts {
  kind: RegulatoryKind;
  expedited: boolean;
  /** The request asks to be paid back for a drug already bought (policy `paymentRequestPatterns` matched). */
  paymentRequest: boolean;
  programs: readonly Program[];
}

/** The limit that applies, and whether the Part D program was assumed rather than detected. */
export interface RegulatoryChoice extends RegulatoryLimit {
  assumedProgram: boolean;
}

/**
 * Picks the Part D time limit for a request.
 *
 * - Program unknown: Part D is assumed, because its clock is the strictest that could apply
 *   (the desk has no commercial-plan limit shorter than Part D's).
 * - Expedited wins over everything: the shortest limit. A payment request cannot be expedited
 *   (§423.570(a), §423.584(a)), but when triage flags both, the strictest reading is taken.
 * - Payment (14 days) is used only when the member clearly asks to be paid back; otherwise the
 *   standard limit, which is shorter.
 * - Grievances have no payment variant: standard 30 days.
 */
export function chooseRegulatoryLimit(facts: RegulatoryFacts): RegulatoryChoice {
  const limits = PART_D_LIMITS[facts.kind];
  const variant: RegulatoryVariant = facts.expedited
    ? 'expedited'
    : facts.paymentRequest
      ? 'payment'
      : 'standard';
  const limit = limits[variant] ?? limits.standard;
  if (!limit) throw new Error(`no standard limit for ${facts.kind}`);
  return { ...limit, assumedProgram: !facts.programs.includes('medicare_part_d') };
}

/** When a limit started at `start` ends: hours are elapsed hours; calendar days the earlier of local days and N × 24 h. */
export function regulatoryDueAt(
  limit: Pick<RegulatoryLimit, 'durationMs' | 'calendarDays'>,
  start: Date,
  timeZone: string,
): Date {
  const elapsed = start.getTime() + limit.durationMs;
  if (limit.calendarDays === undefined) return new Date(elapsed);
  const local = DateTime.fromJSDate(start, { zone: timeZone }).plus({ days: limit.calendarDays }).toMillis();
  return new Date(Math.min(elapsed, local));
}
