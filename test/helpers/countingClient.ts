import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { type AwsEndpoints, documentClient } from '../../lambdas/adapters/awsClients.js';

/** What a document client sent: commands by name, and the transactions DynamoDB cancelled. */
export interface CommandCounts {
  commands: Record<string, number>;
  cancelled: number;
}

/** A real document client that counts the commands it sends (the request count is the cost). */
export function countingClient(endpoints: AwsEndpoints): {
  client: DynamoDBDocumentClient;
  counts: CommandCounts;
} {
  const counts: CommandCounts = { commands: {}, cancelled: 0 };
  const client = documentClient(endpoints);
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const name = String(context.commandName).replace(/Command$/, '');
      counts.commands[name] = (counts.commands[name] ?? 0) + 1;
      try {
        return await next(args);
      } catch (error) {
        if (error instanceof TransactionCanceledException) counts.cancelled += 1;
        throw error;
      }
    },
    { step: 'initialize', name: 'countCommands' },
  );
  return { client, counts };
}

export function totalCommands(counts: CommandCounts): number {
  return Object.values(counts.commands).reduce((sum, count) => sum + count, 0);
}

export function resetCounts(counts: CommandCounts): void {
  counts.commands = {};
  counts.cancelled = 0;
}
