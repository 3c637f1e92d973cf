import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { SignedOutSessions } from '../../api/signedOutSessions.js';
import { CASE_TABLE } from './caseTableDefinition.js';
import { boundedKey } from './DynamoCaseStore.js';

/**
 * Signed-out sessions in the case table (`SIGNEDOUT#<session>` / `SESSION`), each removed by the
 * table's TTL once every token of the session has expired. Read strongly consistent: a sign-out
 * answered 204 is seen by the next request, whichever container serves it.
 */
export class DynamoSignedOutSessions implements SignedOutSessions {
  readonly #client: DynamoDBDocumentClient;
  readonly #tableName: string;

  constructor(client: DynamoDBDocumentClient, tableName: string) {
    this.#client = client;
    this.#tableName = tableName;
  }

  #key(sessionId: string) {
    return { pk: `SIGNEDOUT#${boundedKey(sessionId)}`, sk: 'SESSION' };
  }

  async signOut(sessionId: string, until: Date): Promise<void> {
    // A second sign-out of the same session writes the same item again: idempotent.
    await this.#client.send(
      new PutCommand({
        TableName: this.#tableName,
        Item: {
          ...this.#key(sessionId),
          [CASE_TABLE.timeToLiveAttribute]: Math.ceil(until.getTime() / 1000),
        },
      }),
    );
  }

  async isSignedOut(sessionId: string): Promise<boolean> {
    const { Item } = await this.#client.send(
      new GetCommand({
        TableName: this.#tableName,
        Key: this.#key(sessionId),
        ConsistentRead: true,
        ProjectionExpression: 'pk',
      }),
    );
    return Item !== undefined;
  }
}
