import { describe, expect, it } from 'vitest';
import { recordInbound } from '../../../lambdas/domain/cases/recordInbound.js';
import { recordChatLine } from '../../../lambdas/domain/chat/recordChatLine.js';
import { chatLineMessage } from '../../../lambdas/domain/ingest/acceptChat.js';
import { DEFAULT_POLICY } from '../../../lambdas/domain/policy/defaultPolicy.js';
import { fixedClock } from '../../helpers/channelFakes.js';
import { InMemoryCaseStore } from '../../helpers/InMemoryCaseStore.js';

/**
 * Widget events arrive at least once and out of order (and SQS standard queues reorder, and two
 * batches run in parallel): a staff answer routed before the member's first line is dropped
 * (`no_case`, lambdas/domain/chat/recordChatLine.ts), so the transcript loses it and the
 * first-response clock never sees the answer.
 */
describe('review: chat lines out of order', () => {
  it("keeps a staff answer that is routed before the member's first line", async () => {
    const caseStore = new InMemoryCaseStore();
    const clock = fixedClock('2026-03-03T15:00:00Z'); // a Tuesday, inside chat hours
    const services = { caseStore, clock, policy: DEFAULT_POLICY };
    const line = (lineId: string, role: 'member' | 'staff', text: string, at: string) =>
      chatLineMessage({
        source: 'widget',
        conversationId: 'conv-order-1',
        lineId,
        role,
        event: 'message',
        text,
        receivedAt: new Date(at),
        outsideChatHours: false,
        rawBlobKey: `chat/widget/conv-order-1/events/${lineId}.json`,
      });

    await recordChatLine(
      line('e2', 'staff', 'Happy to help: which prescription?', '2026-03-03T15:00:20Z'),
      services,
    );
    const created = await recordInbound(
      line('e1', 'member', 'Hi, my refill is late', '2026-03-03T15:00:05Z'),
      services,
    );

    expect(created.outcome).toBe('created');
    const view = await caseStore.getCase('caseId' in created ? created.caseId : '');
    const texts = (view?.messages ?? []).map((message) => message.text);
    expect(texts).toContain('Happy to help: which prescription?');
  });
});
