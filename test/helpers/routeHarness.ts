import { randomUUID } from 'node:crypto';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { InboundMessage } from '../../lambdas/domain/inboundMessage.js';
import type { TableSnapshot } from './caseInvariants.js';
import { inboundEmail } from './inboundMessages.js';

/** A Message-ID no other test run uses. */
export const uniqueMessageId = (label: string) => `<${label}-${randomUUID().slice(0, 8)}@mail.example.com>`;

/** A new member e-mail, received inside business hours. */
export function freshEmail(messageId: string, overrides: Partial<InboundMessage> = {}): InboundMessage {
  return inboundEmail({
    externalId: messageId,
    receivedAt: '2026-12-01T15:00:00.000Z',
    threading: { messageId, references: [] },
    ...overrides,
  });
}

/** A reply to `references` (root first), as a mail client threads it. */
export function replyEmail(messageId: string, references: string[]): InboundMessage {
  return freshEmail(messageId, {
    subject: 'Re: Refill for my lisinopril',
    bodyText: `Any news on my refill? (${messageId})`,
    threading: { messageId, inReplyTo: references.at(-1), references },
  });
}

/**
 * Plays SQS for a Lambda: delivers the records in batches of ten, then delivers every record the
 * handler reported failed (or every record of a batch whose handler threw) again, round after
 * round, until none is left or `maxRounds` is spent. Returns the records still failing.
 */
export async function deliverUntilSettled(
  records: readonly SQSRecord[],
  handle: (event: SQSEvent) => Promise<SQSBatchResponse>,
  options: { batchSize?: number; maxRounds?: number } = {},
): Promise<{ unsettled: SQSRecord[]; rounds: number; thrown: number }> {
  const batchSize = options.batchSize ?? 10;
  let pending = [...records];
  let rounds = 0;
  let thrown = 0;
  while (pending.length > 0 && rounds < (options.maxRounds ?? 10)) {
    rounds++;
    const failed: SQSRecord[] = [];
    for (let start = 0; start < pending.length; start += batchSize) {
      const batch = pending.slice(start, start + batchSize);
      try {
        const response = await handle({ Records: batch });
        const ids = new Set(response.batchItemFailures.map((failure) => failure.itemIdentifier));
        failed.push(...batch.filter((record) => ids.has(record.messageId)));
      } catch {
        thrown++;
        failed.push(...batch);
      }
    }
    pending = failed;
  }
  return { unsettled: pending, rounds, thrown };
}

/** Where each inbound message ended up: the case partitions its message items sit in, by external id. */
export function casesByExternalId(snapshot: TableSnapshot): Map<string, string[]> {
  const placed = new Map<string, string[]>();
  for (const [caseId, messages] of snapshot.messages) {
    for (const message of messages) {
      if (message.direction !== 'inbound') continue;
      placed.set(message.externalId, [...(placed.get(message.externalId) ?? []), caseId]);
    }
  }
  return placed;
}
