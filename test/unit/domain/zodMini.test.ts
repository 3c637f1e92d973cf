import { describe, expect, it } from 'vitest';
import { ChatMemberSchema } from '../../../lambdas/domain/chat/widgetEvents.js';
import { InboundMessageSchema } from '../../../lambdas/domain/inboundMessage.js';

// This file loads zod/mini only (through the domain's zodMini module), as the ingest functions'
// bundles do: classic zod, which sets English itself, would hide a missing locale (without
// `z.config(en())` in zodMini.ts both tests read "Invalid input").
describe('zod/mini in the domain', () => {
  it('reports in English, not the bare "Invalid input" zod/mini gives without a locale', () => {
    const member = ChatMemberSchema.safeParse({ name: 'x'.repeat(201), email: 'not an address' });

    expect(member.error?.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`)).toEqual([
      'name: Too big: expected string to have <=200 characters',
      'email: Invalid email address',
    ]);
  });

  it('names the field and what was expected', () => {
    const parsed = InboundMessageSchema.safeParse({ channel: 'pigeon' });

    expect(parsed.error?.issues[0]?.message).toBe(
      'Invalid option: expected one of "email"|"fax"|"chat"|"form"',
    );
  });
});
