import PostalMime from 'postal-mime';
import { describe, expect, it } from 'vitest';
import { buildRawMime } from '../../../lambdas/adapters/ses/rawMime.js';

describe('raw MIME of outbound mail', () => {
  it('keeps the threading and auto-reply headers and encodes non-ASCII text so it parses back intact', async () => {
    const raw = await buildRawMime(
      {
        to: ['maria@example.com'],
        subject: '我们已收到您的来信 [CR-0123456789]',
        text: '您好！\n\n服务单号为 CR-0123456789。',
        headers: {
          'Message-ID': '<ack.0123456789@pharmacy.example>',
          'In-Reply-To': '<member-1@mail.example.com>',
          References: '<root@mail.example.com> <member-1@mail.example.com>',
          'Auto-Submitted': 'auto-replied',
          'Content-Language': 'zh',
        },
      },
      { from: 'Member Services <support@pharmacy.example>', date: new Date('2026-12-07T20:00:00Z') },
    );
    const head = raw.toString('utf8').split('\r\n\r\n')[0] ?? '';
    expect(head).toContain('Message-ID: <ack.0123456789@pharmacy.example>');
    expect(head).toContain('In-Reply-To: <member-1@mail.example.com>');
    expect(head).toContain('References: <root@mail.example.com> <member-1@mail.example.com>');
    expect(head).toContain('Auto-Submitted: auto-replied');
    expect(head.match(/^Message-ID:/gim)).toHaveLength(1);

    const parsed = await PostalMime.parse(raw);
    expect(parsed.subject).toBe('我们已收到您的来信 [CR-0123456789]');
    expect(parsed.text?.trim()).toBe('您好！\n\n服务单号为 CR-0123456789。');
    expect(parsed.from?.address).toBe('support@pharmacy.example');
  });

  it('lets a mail name its own sender', async () => {
    const raw = await buildRawMime(
      {
        from: 'sla-alerts@pharmacy.example',
        to: ['sup@pharmacy.example'],
        subject: 'x',
        text: 'y',
        headers: {},
      },
      { from: 'support@pharmacy.example', date: new Date() },
    );
    expect((await PostalMime.parse(raw)).from?.address).toBe('sla-alerts@pharmacy.example');
  });
});
