import { randomUUID } from 'node:crypto';
import { DeleteCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { documentClient } from '../../lambdas/adapters/awsClients.js';
import { CASE_TABLE } from '../../lambdas/adapters/dynamo/caseTableDefinition.js';
import { DynamoCaseStore } from '../../lambdas/adapters/dynamo/DynamoCaseStore.js';
import { recordInbound } from '../../lambdas/domain/cases/recordInbound.js';
import { DEFAULT_POLICY } from '../../lambdas/domain/policy/defaultPolicy.js';
import { provisionResources } from '../../lambdas/local/provisionResources.js';
import { halfWrittenCaseProblems, snapshotTable } from '../helpers/caseInvariants.js';
import { inboundEmail } from '../helpers/inboundMessages.js';

/**
 * The "no half-written case" check the fuzz and restart tests rely on must be able to fail: each
 * test here breaks a whole case behind the store's back (as a crash between writes would) and
 * expects the check to name what broke.
 */
describe('the half-written case check on DynamoDB Local', () => {
  const endpoints = inject('endpoints');
  const client = documentClient(endpoints);
  let tableName: string;
  let store: DynamoCaseStore;

  beforeAll(async () => {
    tableName = (await provisionResources(endpoints, `i${randomUUID().slice(0, 8)}`)).tableName;
    store = new DynamoCaseStore(client, { tableName });
  });
  afterAll(() => client.destroy());

  const pk = CASE_TABLE.partitionKey;
  const sk = CASE_TABLE.sortKey;

  async function wholeCase(label: string) {
    const messageId = `<${label}-${randomUUID().slice(0, 8)}@mail.example.com>`;
    const outcome = await recordInbound(
      inboundEmail({ externalId: messageId, threading: { messageId, references: [] } }),
      {
        caseStore: store,
        clock: { now: () => new Date('2026-11-27T16:00:05.000Z') },
        policy: DEFAULT_POLICY,
      },
    );
    if (outcome.outcome !== 'created') throw new Error(`expected a new case, got ${outcome.outcome}`);
    return outcome.caseId;
  }

  async function itemsOf(caseId: string) {
    const page = await client.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: { '#pk': pk },
        ExpressionAttributeValues: { ':pk': `CASE#${caseId}` },
        ConsistentRead: true,
      }),
    );
    return page.Items ?? [];
  }

  async function problems() {
    return halfWrittenCaseProblems(await snapshotTable(endpoints.dynamodb, tableName));
  }

  it('finds nothing wrong in a table of whole cases', async () => {
    await wholeCase('whole-a');
    await wholeCase('whole-b');

    expect(await problems()).toEqual([]);
  });

  it('reports a queued case its queue figures do not count', async () => {
    const caseId = await wholeCase('uncounted');
    const [meta] = (await itemsOf(caseId)).filter((item) => item[sk] === 'META');
    const copyId = `${caseId.slice(0, -1)}${caseId.endsWith('Z') ? 'Y' : 'Z'}`;
    // A second case written without its figures (nor its message or inbound key).
    await client.send(
      new PutCommand({ TableName: tableName, Item: { ...meta, [pk]: `CASE#${copyId}`, caseId: copyId } }),
    );

    const found = await problems();

    expect(found).toContain(`case ${copyId} has no message`);
    expect(found).toContain(`case ${copyId} has no inbound key`);
    expect(found.some((problem) => /reports depth \d+; its cases make it \d+/.test(problem))).toBe(true);
    await client.send(
      new DeleteCommand({ TableName: tableName, Key: { [pk]: `CASE#${copyId}`, [sk]: 'META' } }),
    );
    expect(await problems()).toEqual([]);
  });

  it('reports a case whose at-risk status its queue figures missed', async () => {
    const caseId = await wholeCase('at-risk');
    await client.send(
      new UpdateCommand({
        TableName: tableName,
        Key: { [pk]: `CASE#${caseId}`, [sk]: 'META' },
        UpdateExpression: 'SET slaStatus = :atRisk',
        ExpressionAttributeValues: { ':atRisk': 'at_risk' },
      }),
    );

    const found = await problems();

    expect(found.some((problem) => /reports atRisk 0; its cases make it 1/.test(problem))).toBe(true);
    await client.send(
      new UpdateCommand({
        TableName: tableName,
        Key: { [pk]: `CASE#${caseId}`, [sk]: 'META' },
        UpdateExpression: 'SET slaStatus = :ok',
        ExpressionAttributeValues: { ':ok': 'ok' },
      }),
    );
  });

  it('reports a case whose message item is missing and one that no longer reads back', async () => {
    const bare = await wholeCase('bare');
    const broken = await wholeCase('broken');
    const [message] = (await itemsOf(bare)).filter((item) => item.itemType === 'message');
    await client.send(
      new DeleteCommand({ TableName: tableName, Key: { [pk]: message?.[pk], [sk]: message?.[sk] } }),
    );
    await client.send(
      new UpdateCommand({
        TableName: tableName,
        Key: { [pk]: `CASE#${broken}`, [sk]: 'META' },
        UpdateExpression: 'REMOVE clocks',
      }),
    );

    const found = await problems();

    expect(found).toContain(`case ${bare} has no message`);
    expect(found.some((problem) => problem.startsWith(`case ${broken} does not read back as a case`))).toBe(
      true,
    );
  });
});
