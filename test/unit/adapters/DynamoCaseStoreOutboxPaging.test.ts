import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { DynamoCaseStore } from '../../../lambdas/adapters/dynamo/DynamoCaseStore.js';

type Item = Record<string, unknown> & { outboxShard: string; outboxSort: string; entryId: string };

/**
 * The outbox index as DynamoDB serves a Query of it: one shard, after `:after`, at most `Limit`
 * items, and a page cut at 1 MB of items whatever the Limit (with LastEvaluatedKey to go on). The
 * emulators hold too little to reach 1 MB in a test of reasonable size, so the cut is exercised here.
 */
function outboxIndex(items: Item[]) {
  const queries: number[] = [];
  const client = {
    send: async (command: { input: Record<string, unknown> }) => {
      const input = command.input as {
        ExpressionAttributeValues: Record<string, string>;
        Limit: number;
        ExclusiveStartKey?: { outboxSort: string };
      };
      const shard = input.ExpressionAttributeValues[':shard'];
      const after = input.ExclusiveStartKey?.outboxSort ?? input.ExpressionAttributeValues[':after'] ?? '';
      const rest = items
        .filter((item) => item.outboxShard === shard && item.outboxSort > after)
        .sort((a, b) => (a.outboxSort < b.outboxSort ? -1 : 1));
      const page: Item[] = [];
      let bytes = 0;
      for (const item of rest) {
        if (page.length >= input.Limit || bytes >= 1_000_000) break;
        page.push(item);
        bytes += JSON.stringify(item).length;
      }
      queries.push(page.length);
      const last = page.at(-1);
      return {
        Items: page,
        ...(page.length < rest.length && last ? { LastEvaluatedKey: { outboxSort: last.outboxSort } } : {}),
      };
    },
  } as unknown as DynamoDBDocumentClient;
  return { client, queries };
}

function entry(shard: number, second: number, id: string, textBytes: number): Item {
  const createdAt = new Date(Date.UTC(2026, 11, 1, 15, 0, second)).toISOString();
  return {
    outboxShard: `O#${shard}`,
    outboxSort: `${createdAt}#${id}`,
    entryId: id,
    caseId: 'C1',
    kind: 'reply',
    mail: { to: ['member@example.com'], subject: 'Re: refill', text: 'x'.repeat(textBytes), headers: {} },
    createdAt,
  };
}

describe('DynamoCaseStore.listOutbox', () => {
  it('pages through every entry when a shard of long mails is cut at 1 MB before its Limit', async () => {
    // Shard 0: 25 replies of 60 KB (older); shard 1: 60 short notices (younger).
    const items = [
      ...Array.from({ length: 25 }, (_, index) => entry(0, index, `big-${index}`, 60_000)),
      ...Array.from({ length: 60 }, (_, index) => entry(1, 30 + index, `small-${index}`, 10)),
    ];
    const { client } = outboxIndex(items);
    const store = new DynamoCaseStore(client, { tableName: 'cases' });
    const listed: string[] = [];
    let after: Awaited<ReturnType<DynamoCaseStore['listOutbox']>>[number] | undefined;
    for (;;) {
      const page = await store.listOutbox(50, after);
      listed.push(...page.map((each) => each.entryId));
      if (page.length < 50) break;
      after = page.at(-1);
    }

    expect(listed).toEqual(items.map((item) => item.entryId));
  });
});
