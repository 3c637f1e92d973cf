import type { Channel } from '../inboundMessage.js';
import type { TriageResult } from '../triage/types.js';
import type { Policy, PolicyRule, Priority } from './policy.js';

export interface RoutingDecision {
  queue: string;
  priority: Priority;
  policyVersion: string;
  /** Name of the rule that decided, or why none did. */
  reason: string;
  sla: { firstResponseDueAt: string; resolutionDueAt?: string; regulatoryDueAt?: string };
}

function ruleMatches(rule: PolicyRule, triage: TriageResult, channel: Channel): boolean {
  const { topics, channels, programs, expedited } = rule.when;
  if (topics && !topics.includes(triage.topic)) return false;
  if (channels && !channels.includes(channel)) return false;
  if (programs && !programs.some((program) => triage.programs.includes(program))) return false;
  if (expedited !== undefined && expedited !== triage.expedited) return false;
  return true;
}

/** Pick queue, priority and clocks for a triaged message. Low-confidence triage goes to the triage queue. */
export function routeMessage(
  triage: TriageResult,
  channel: Channel,
  receivedAt: Date,
  policy: Policy,
): RoutingDecision {
  const firstResponseDueAt = new Date(receivedAt.getTime() + policy.firstResponseHours * 3_600_000).toISOString();
  const base = { policyVersion: policy.version, sla: { firstResponseDueAt } };
  if (triage.topicConfidence < policy.minTopicConfidence) {
    return { ...base, queue: policy.triageQueue, priority: triage.expedited ? 'urgent' : 'normal', reason: 'low topic confidence' };
  }
  const rule = policy.rules.find((candidate) => ruleMatches(candidate, triage, channel));
  if (!rule) return { ...base, queue: policy.defaultQueue, priority: 'normal', reason: 'no rule matched' };
  return { ...base, queue: rule.queue, priority: rule.priority, reason: `rule "${rule.name}"` };
}
