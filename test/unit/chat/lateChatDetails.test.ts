import { describe, expect, it } from 'vitest';
import { recordInbound } from '../../../lambdas/domain/cases/recordInbound.js';
import { DEFAULT_POLICY } from '../../../lambdas/domain/policy/defaultPolicy.js';
import { InMemoryCaseStore } from '../../helpers/InMemoryCaseStore.js';
import { widgetMemberLine } from '../../helpers/inboundMessages.js';

const clock = { now: () => new Date('2026-12-01T15:00:05.000Z') };

describe('a chat whose pre-chat answers arrive after its first line', () => {
  it('takes the member’s name and address from a later line of the conversation, so staff can write back', async () => {
    const services = { caseStore: new InMemoryCaseStore(), clock, policy: DEFAULT_POLICY };
    const opened = await recordInbound(
      widgetMemberLine('c9', 'l1', 'Hi, where is my refill order?', {
        withoutMember: true,
        receivedAt: new Date('2026-12-01T14:59:58.000Z'),
      }),
      services,
    );
    expect(services.caseStore.cases.get(opened.caseId)?.sender.address).toBeUndefined();

    await recordInbound(widgetMemberLine('c9', 'l2', 'It is the lisinopril one.'), services);
    const view = await services.caseStore.getCase(opened.caseId);
    expect(view?.case).toMatchObject({
      sender: { address: 'dana@example.com', name: 'Dana Lee' },
      replyTo: 'dana@example.com',
      participants: ['dana@example.com'],
    });
    expect(view?.history.at(-1)).toMatchObject({
      type: 'message_received',
      detail: { contactAdded: "the member's chat details arrived after the first line" },
    });

    // A later line naming someone else changes nothing the case already has.
    const other = widgetMemberLine('c9', 'l3', 'Also my other prescription.');
    await recordInbound(
      {
        ...other,
        sender: { address: 'mallory@example.net', name: 'Mallory' },
        replyTo: 'mallory@example.net',
      },
      services,
    );
    expect((await services.caseStore.getCaseRecord(opened.caseId))?.sender).toEqual({
      address: 'dana@example.com',
      name: 'Dana Lee',
    });
    expect((await services.caseStore.getCaseRecord(opened.caseId))?.replyTo).toBe('dana@example.com');
  });
});
