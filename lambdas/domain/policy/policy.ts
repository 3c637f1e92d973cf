import { z } from 'zod';
import { ChannelSchema } from '../inboundMessage.js';
import { ProgramSchema, TopicSchema } from '../triage/taxonomy.js';

export const PrioritySchema = z.enum(['urgent', 'high', 'normal', 'low']);
export type Priority = z.infer<typeof PrioritySchema>;

/** Lower rank sorts first in a queue. */
export const PRIORITY_RANK: Record<Priority, number> = { urgent: 0, high: 1, normal: 2, low: 3 };

const RuleSchema = z.object({
  name: z.string().min(1),
  when: z
    .object({
      topics: z.array(TopicSchema).optional(),
      channels: z.array(ChannelSchema).optional(),
      programs: z.array(ProgramSchema).optional(),
      expedited: z.boolean().optional(),
    })
    .strict(),
  queue: z.string().regex(/^[a-z][a-z0-9_-]{0,39}$/),
  priority: PrioritySchema,
});

export const PolicySchema = z
  .object({
    version: z.string().min(1),
    /** Below this topic confidence, a case goes to the triage queue instead of a team. */
    minTopicConfidence: z.number().min(0).max(1),
    triageQueue: z.string().min(1),
    firstResponseHours: z.number().positive(),
    rules: z.array(RuleSchema).min(1),
    defaultQueue: z.string().min(1),
  })
  .strict();
export type Policy = z.infer<typeof PolicySchema>;
export type PolicyRule = z.infer<typeof RuleSchema>;
