import type { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { describe, expect, it } from 'vitest';
import { fromAddressOf, SesMailer } from '../../../lambdas/adapters/ses/SesMailer.js';

/** A client that keeps what it is asked to send and answers as SES does. */
function recordingClient(region = 'us-east-1') {
  const inputs: SendEmailCommand['input'][] = [];
  const client = {
    config: { region: async () => region },
    send: async (command: SendEmailCommand) => {
      inputs.push(command.input);
      return { MessageId: `id-${inputs.length}` };
    },
  } as unknown as SESv2Client;
  return { client, inputs };
}

describe('SesMailer', () => {
  it('sends through the configuration set named in SES_CONFIGURATION_SET (TLS required), and through none without one', async () => {
    const { client, inputs } = recordingClient();
    const mail = { to: ['member@example.org'], subject: 'Re: refill', text: 'Hello', headers: {} };
    const before = process.env.SES_CONFIGURATION_SET;
    try {
      process.env.SES_CONFIGURATION_SET = 'ContactRouterMemberMail-1A2B';
      await new SesMailer(client, 'support@desk.yourpharmacy.com').send(mail);
      delete process.env.SES_CONFIGURATION_SET;
      await new SesMailer(client, 'support@desk.yourpharmacy.com').send(mail);
    } finally {
      if (before === undefined) delete process.env.SES_CONFIGURATION_SET;
      else process.env.SES_CONFIGURATION_SET = before;
    }

    expect(inputs.map((input) => input.ConfigurationSetName)).toEqual([
      'ContactRouterMemberMail-1A2B',
      undefined,
    ]);
  });

  it('sends mail to staff through the staff configuration set (no suppression), members’ mail through theirs', async () => {
    const { client, inputs } = recordingClient();
    const mail = { to: ['lead@yourpharmacy.com'], subject: 'Breach', text: 'A case breached.', headers: {} };
    const mailer = new SesMailer(client, 'support@desk.yourpharmacy.com', 'MemberMail-1', 'StaffMail-1');
    await mailer.send({ ...mail, audience: 'staff' });
    await mailer.send(mail);
    // Without a staff set, staff mail keeps the members' set rather than going out without TLS.
    await new SesMailer(client, 'support@desk.yourpharmacy.com', 'MemberMail-1', undefined).send({
      ...mail,
      audience: 'staff',
    });
    expect(inputs.map((input) => input.ConfigurationSetName)).toEqual([
      'StaffMail-1',
      'MemberMail-1',
      'MemberMail-1',
    ]);
  });

  it('passes the bare From address as FromEmailAddress, the display name only in the raw header', async () => {
    // The senders' IAM grants require ses:FromAddress to be one of their addresses: without
    // FromEmailAddress (or with the display name in it) the condition would not match.
    const { client, inputs } = recordingClient();
    const mailer = new SesMailer(client, 'Member Services <support@desk.yourpharmacy.com>');

    await mailer.send({ to: ['member@example.org'], subject: 'Re: refill', text: 'Hello', headers: {} });
    await mailer.send({
      from: 'sla-alerts@yourpharmacy.com',
      to: ['lead@yourpharmacy.com'],
      subject: 'Breach',
      text: 'A case breached.',
      headers: {},
    });

    expect(inputs.map((input) => input.FromEmailAddress)).toEqual([
      'support@desk.yourpharmacy.com',
      'sla-alerts@yourpharmacy.com',
    ]);
    const head = Buffer.from(inputs[0]?.Content?.Raw?.Data ?? new Uint8Array())
      .toString('utf8')
      .split('\r\n\r\n')[0];
    expect(head).toContain('From: Member Services <support@desk.yourpharmacy.com>');
  });

  it('reads the address of a From value with or without a display name', () => {
    expect(fromAddressOf('Member Services <support@desk.test>')).toBe('support@desk.test');
    expect(fromAddressOf('"Servicios, Miembros" <apoyo@desk.test> ')).toBe('apoyo@desk.test');
    expect(fromAddressOf('support@desk.test')).toBe('support@desk.test');
  });
  it('reports the Message-ID the member’s copy carries, as SES writes it in us-east-1 and in other regions', async () => {
    const { client } = recordingClient('eu-west-1');
    const mailer = new SesMailer(client, 'support@desk.yourpharmacy.com');

    const result = await mailer.send({ to: ['member@example.org'], subject: 'Re', text: 'Hi', headers: {} });

    expect(result).toEqual({
      providerMessageId: 'id-1',
      deliveredMessageIds: ['<id-1@email.amazonses.com>', '<id-1@eu-west-1.amazonses.com>'],
    });
  });
});
