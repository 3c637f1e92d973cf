import { randomUUID } from 'node:crypto';
import { describe, expect, inject, it } from 'vitest';
import { documentClient } from '../../lambdas/adapters/aws/dynamoDocumentClient.js';
import { sesClient } from '../../lambdas/adapters/aws/sesClient.js';
import { DynamoCaseStore } from '../../lambdas/adapters/dynamo/DynamoCaseStore.js';
import { SesMailer } from '../../lambdas/adapters/ses/SesMailer.js';
import { caseReference } from '../../lambdas/domain/cases/caseIds.js';
import { claimNextCase } from '../../lambdas/domain/cases/claimQueue.js';
import { recordInbound } from '../../lambdas/domain/cases/recordInbound.js';
import { replyToCase } from '../../lambdas/domain/cases/replyToCase.js';
import type { StaffMember } from '../../lambdas/domain/cases/staffMember.js';
import type { InboundMessage } from '../../lambdas/domain/inboundMessage.js';
import { deliverNow } from '../../lambdas/domain/outbound/deliverOutbox.js';
import { DEFAULT_POLICY } from '../../lambdas/domain/policy/defaultPolicy.js';
import { provisionResources } from '../../lambdas/local/provisionResources.js';

const desk = { address: 'support@pharmacy.example', name: 'Member Services', timeZone: 'America/Chicago' };

function email(from: string, messageId: string, overrides: Partial<InboundMessage> = {}): InboundMessage {
  return {
    channel: 'email',
    externalId: messageId,
    receivedAt: '2026-12-01T15:00:00.000Z',
    sender: { address: from },
    subject: 'Refill for my lisinopril',
    bodyText: 'Please send a refill of my lisinopril prescription.',
    attachments: [],
    threading: { messageId, references: [] },
    hints: {},
    automated: false,
    ...overrides,
  };
}

/** A fresh table on DynamoDB Local, the services the domain uses on it, and an agent. */
async function deskOnDynamoDbLocal() {
  const endpoints = inject('endpoints');
  const resources = await provisionResources(endpoints, `t${randomUUID().slice(0, 8)}`);
  const caseStore = new DynamoCaseStore(documentClient(endpoints), { tableName: resources.tableName });
  const now = new Date('2026-12-01T15:00:05.000Z');
  const clock = { now: () => now };
  const services = { caseStore, clock, policy: DEFAULT_POLICY };
  const staff = { ...services, metrics: { count: () => {} }, leaseMs: 15 * 60_000 };
  const alice: StaffMember = { id: 'alice', role: 'agent', languages: ['en', 'es'] };
  return { endpoints, caseStore, clock, services, staff, alice };
}

describe('staff replies against thread keys a stranger planted (DynamoDB Local)', () => {
  it('a stranger who knows a case reference cannot block its replies by naming their Message-IDs first', async () => {
    const { endpoints, caseStore, clock, services, staff, alice } = await deskOnDynamoDbLocal();

    const member = await recordInbound(
      email('maria@example.com', `<m-${randomUUID()}@mail.example.com>`),
      services,
    );
    if (member.outcome !== 'created') throw new Error(`no case: ${member.outcome}`);
    const victim = member.caseId;

    // The reference is in every subject the member forwards; from it, the ids a reply would carry.
    expect(caseReference(victim)).toMatch(/^CR-/);
    const planted = Array.from(
      { length: 40 },
      (_, index) => `<reply.${victim}.${index + 1}@pharmacy.example>`,
    );
    const stranger = await recordInbound(
      email('mallory@attacker.example', `<x-${randomUUID()}@attacker.example>`, {
        subject: 'Question',
        // Auto-Submitted is the sender's to set: the stranger's case lands in the suspended queue,
        // out of staff's way (and out of claim-next's, which serves the member's case below).
        automated: true,
        threading: {
          messageId: `<x-${randomUUID()}@attacker.example>`,
          references: planted,
        },
      }),
      services,
    );
    expect(stranger.outcome).toBe('created');

    if (member.outcome !== 'created') return;
    const claimed = await claimNextCase(member.queue, alice, staff);
    expect(claimed).toMatchObject({ outcome: 'claimed', case: { caseId: victim } });
    const reply = await replyToCase({ text: 'Your refill ships today.' }, victim, alice, { ...staff, desk });
    expect(reply.outcome).toBe('done');
    if (reply.outcome !== 'done') return;

    // The member's answer to the reply finds the member's case, not the stranger's.
    const messageId = reply.entry.mail.headers['Message-ID'] ?? '';
    const answer = await recordInbound(
      email('maria@example.com', `<a-${randomUUID()}@mail.example.com>`, {
        subject: 'Thanks',
        threading: {
          messageId: `<a-${randomUUID()}@mail.example.com>`,
          inReplyTo: messageId,
          references: [messageId],
        },
      }),
      services,
    );
    expect(answer).toMatchObject({ outcome: 'threaded', caseId: victim, unverifiedSender: false });
  });

  it('an answer citing only the Message-ID SES gave our reply joins the case (SES replaces ours)', async () => {
    const { endpoints, caseStore, clock, services, staff, alice } = await deskOnDynamoDbLocal();
    const member = await recordInbound(
      email('dana@example.com', `<d-${randomUUID()}@mail.example.com>`),
      services,
    );
    if (member.outcome !== 'created') throw new Error(`no case: ${member.outcome}`);
    await claimNextCase(member.queue, alice, staff);
    const reply = await replyToCase({ text: 'Your refill ships today.' }, member.caseId, alice, {
      ...staff,
      desk,
    });
    if (reply.outcome !== 'done') throw new Error(reply.outcome);

    // Sent through the SES emulator; the outbox registers the Message-ID SES writes on the member's copy.
    const ses = new SesMailer(sesClient(endpoints), desk.address);
    let delivered: string[] = [];
    const mailer = {
      send: async (mail: Parameters<SesMailer['send']>[0]) => {
        const result = await ses.send(mail);
        delivered = result.deliveredMessageIds ?? [];
        return result;
      },
    };
    expect(await deliverNow([reply.entry], { caseStore, mailer, clock })).toEqual({
      [reply.entry.entryId]: 'sent',
    });
    const registered = delivered[0] ?? '';
    expect(registered).toMatch(/^<.+@email\.amazonses\.com>$/);

    // The member's client cites only that id, and the subject lost its case reference.
    const answer = await recordInbound(
      email('dana@example.com', `<a-${randomUUID()}@mail.example.com>`, {
        subject: 'Thanks',
        threading: {
          messageId: `<a-${randomUUID()}@mail.example.com>`,
          inReplyTo: registered,
          references: [registered],
        },
      }),
      services,
    );
    expect(answer).toMatchObject({ outcome: 'threaded', caseId: member.caseId });
  });
});
