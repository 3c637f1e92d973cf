import { describe, expect, inject, it } from 'vitest';
import { SesMailer, sesOutboxClient } from '../../lambdas/adapters/ses/SesMailer.js';

describe('SES mailer on aws-ses-v2-local', () => {
  it('hands SES raw MIME with our threading headers, and the emulator keeps the subject and text', async () => {
    const endpoints = inject('endpoints');
    const client = sesOutboxClient(endpoints);
    const raws: string[] = [];
    // The emulator re-parses raw mail and drops Message-ID, In-Reply-To and References, so threading is
    // asserted on what the SDK is given (docs: shared/guides/local-aws.md, aws-ses-v2-local gotchas).
    client.middlewareStack.add(
      (next) => async (args) => {
        const input = args.input as { Content?: { Raw?: { Data?: Uint8Array } } };
        if (input.Content?.Raw?.Data) raws.push(Buffer.from(input.Content.Raw.Data).toString('utf8'));
        return next(args);
      },
      { step: 'initialize', name: 'captureRawMime' },
    );
    const mailer = new SesMailer(client, 'Member Services <support@pharmacy.example>');
    const to = `thread-${Date.now()}@example.org`;

    const result = await mailer.send({
      to: [to],
      subject: 'Re: Necesito resurtir mi receta [CR-0123456789]',
      text: 'Hola Lucía: su resurtido sale hoy.\n\n-- \nReferencia de su caso: CR-0123456789.',
      headers: {
        'Message-ID': '<reply.0123456789.3@pharmacy.example>',
        'In-Reply-To': '<lucia-1@mail.example.net>',
        References: '<lucia-1@mail.example.net>',
        'Content-Language': 'es',
      },
    });

    expect(result.providerMessageId).toEqual(expect.any(String));
    expect(raws).toHaveLength(1);
    const head = raws[0]?.split('\r\n\r\n')[0] ?? '';
    expect(head).toContain('Message-ID: <reply.0123456789.3@pharmacy.example>');
    expect(head).toContain('In-Reply-To: <lucia-1@mail.example.net>');
    expect(head).toContain('References: <lucia-1@mail.example.net>');
    expect(head).toContain('Content-Language: es');

    const store = (await (await fetch(`${endpoints.ses}/store`)).json()) as {
      emails: { destination: { to: string[] }; subject: string; body: { text?: string } }[];
    };
    const stored = store.emails.find((email) => email.destination.to.includes(to));
    expect(stored?.subject).toBe('Re: Necesito resurtir mi receta [CR-0123456789]');
    expect(stored?.body.text).toContain('Hola Lucía: su resurtido sale hoy.');
  });
});
