import { describe, expect, it } from 'vitest';
import defaultPolicyJson from '../../../lambdas/domain/policy/default-policy.json' with { type: 'json' };
import { DEFAULT_POLICY } from '../../../lambdas/domain/policy/defaultPolicy.js';
import { loadPolicy, PolicyValidationError } from '../../../lambdas/domain/policy/policy.js';

function problemsOf(json: unknown): { path: string; message: string }[] {
  try {
    loadPolicy(json);
  } catch (error) {
    if (error instanceof PolicyValidationError) return [...error.problems];
    throw error;
  }
  throw new Error('expected the policy to be rejected');
}

describe('loadPolicy', () => {
  it('accepts the default policy', () => {
    expect(loadPolicy(structuredClone(defaultPolicyJson))).toEqual(DEFAULT_POLICY);
    expect(DEFAULT_POLICY.version).toMatch(/^\d{4}-\d{2}-\d{2}\.\d+$/);
  });

  it('lists every schema and cross-reference problem in one error', () => {
    const base = structuredClone(defaultPolicyJson);
    const [first, second, ...rest] = base.rules;
    if (!first || !second) throw new Error('the default policy has rules');
    const broken = {
      ...base,
      minTopicConfidence: 2,
      calendars: {
        ...base.calendars,
        chat: {
          ...base.calendars.chat,
          timeZone: 'America/Chicagoo',
          hours: { ...base.calendars.chat.hours, mon: [['09:00', '08:00']] },
        },
      },
      rules: [
        { ...first, queue: 'nowhere' },
        { ...second, name: first.name, sla: { calendar: 'lunar' } },
        ...rest.filter((rule) => rule.name !== 'other'),
      ],
      timers: { ...base.timers, escalation: [{ ...base.timers.escalation[0], moveToQueue: 'limbo' }] },
      surprise: true,
    };

    const problems = problemsOf(broken);

    expect(problems).toEqual(
      expect.arrayContaining([
        { path: 'minTopicConfidence', message: expect.stringContaining('<=1') },
        { path: 'calendars.chat.timeZone', message: 'unknown IANA time zone' },
        { path: 'calendars.chat.hours.mon[0]', message: '09:00–08:00 ends before it starts' },
        { path: '', message: expect.stringContaining('surprise') },
        { path: 'rules[0].queue', message: 'queue "nowhere" is used but not declared in queues' },
        { path: 'rules[1].name', message: `duplicate rule name "${first.name}" (also rules[0])` },
        { path: 'rules[1].sla.calendar', message: 'unknown calendar "lunar"' },
        {
          path: 'timers.escalation[0].moveToQueue',
          message: 'queue "limbo" is used but not declared in queues',
        },
        { path: 'rules', message: expect.stringContaining('no rule routes topic "other"') },
      ]),
    );
    expect(problems).toHaveLength(9);
  });

  it('names every problem in the error message, with its path', () => {
    const broken = { ...structuredClone(defaultPolicyJson), version: '', triageQueue: 'Triage Queue' };

    expect(() => loadPolicy(broken)).toThrow(PolicyValidationError);
    expect(() => loadPolicy(broken)).toThrow(
      /policy is invalid \(3 problems\):\n {2}- version: .*\n {2}- triageQueue: expected a lower-case name.*\n {2}- triageQueue: queue "Triage Queue" is used but not declared/,
    );
  });

  it('reports a topic that only a conditional rule routes', () => {
    const policy = structuredClone(defaultPolicyJson);
    policy.rules = policy.rules.filter((rule) => rule.name !== 'appeals');

    expect(problemsOf(policy)).toEqual([
      {
        path: 'rules',
        message: 'no rule routes topic "appeal" unconditionally (some "appeal" messages would reach no team)',
      },
    ]);
  });

  it('still checks cross-references when the rules are not even an array of objects', () => {
    expect(problemsOf({ rules: 'all to triage' }).map((problem) => problem.path)).toEqual(
      expect.arrayContaining(['version', 'minTopicConfidence', 'queues', 'calendars', 'rules']),
    );
    expect(problemsOf(null)).toEqual([{ path: '', message: expect.stringContaining('expected object') }]);
  });
});
