import { type Policy, PolicySchema } from './policy.js';

/** The pharmacy desk's default policy (walking skeleton; issue #4 grows calendars and clocks). */
export const DEFAULT_POLICY: Policy = PolicySchema.parse({
  version: '2026-11-27.1',
  minTopicConfidence: 0.5,
  triageQueue: 'triage',
  firstResponseHours: 24,
  defaultQueue: 'triage',
  rules: [
    { name: 'expedited appeals', when: { topics: ['appeal'], expedited: true }, queue: 'appeals', priority: 'urgent' },
    { name: 'appeals', when: { topics: ['appeal'] }, queue: 'appeals', priority: 'high' },
    { name: 'coverage', when: { topics: ['coverage'] }, queue: 'coverage', priority: 'normal' },
    { name: 'pharmacist', when: { topics: ['clinical'] }, queue: 'pharmacist', priority: 'high' },
    { name: 'fulfillment', when: { topics: ['refill', 'delivery', 'lost_damaged'] }, queue: 'fulfillment', priority: 'normal' },
    { name: 'billing', when: { topics: ['billing'] }, queue: 'billing', priority: 'normal' },
    { name: 'account', when: { topics: ['account'] }, queue: 'account', priority: 'low' },
    { name: 'international', when: { topics: ['international'] }, queue: 'international', priority: 'normal' },
    { name: 'privacy', when: { topics: ['privacy_fraud'] }, queue: 'privacy', priority: 'high' },
    { name: 'complaints', when: { topics: ['complaint'] }, queue: 'complaints', priority: 'normal' },
  ],
});
