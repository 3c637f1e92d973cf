import { randomUUID } from 'node:crypto';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
} from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { documentClient, sqsClient } from '../../../lambdas/adapters/awsClients.js';
import { DynamoCaseStore } from '../../../lambdas/adapters/dynamo/DynamoCaseStore.js';
import { SqsDeadLetters } from '../../../lambdas/adapters/sqs/SqsDeadLetters.js';
import type { InboundMessage } from '../../../lambdas/domain/inboundMessage.js';
import { DEFAULT_POLICY } from '../../../lambdas/domain/policy/defaultPolicy.js';
import type { CaseStore } from '../../../lambdas/domain/ports.js';
import { handleInboundBatch } from '../../../lambdas/handlers/routeInbound.js';
import { provisionResources } from '../../../lambdas/local/provisionResources.js';
import { SqsPoller } from '../../../lambdas/local/sqsPoller.js';
import { snapshotTable } from '../../helpers/caseInvariants.js';
import { casesByExternalId, freshEmail, uniqueMessageId } from '../../helpers/routeHarness.js';

const MAX_RECEIVE_COUNT = 3;

/** A store that fails every write of one message, as a bug that message trips would (never its neighbours). */
function storeFailingFor(store: DynamoCaseStore, externalId: string): CaseStore {
  return new Proxy(store, {
    get: (target, property, receiver) => {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      if (property !== 'createCase' && property !== 'appendMessage') return value.bind(target);
      return async (...args: unknown[]) => {
        if (JSON.stringify(args).includes(externalId)) throw new TypeError('poison pill (injected)');
        return value.apply(target, args);
      };
    },
  }) as CaseStore;
}

describe('a poison message among good ones on fauxqs SQS', () => {
  const endpoints = inject('endpoints');
  const sqs = sqsClient(endpoints);
  const dynamo = documentClient(endpoints);
  let tableName: string;
  let inboundUrl: string;
  let deadLetterUrl: string;

  beforeAll(async () => {
    const suffix = randomUUID().slice(0, 8);
    tableName = (await provisionResources(endpoints, `p${suffix}`)).tableName;
    deadLetterUrl =
      (await sqs.send(new CreateQueueCommand({ QueueName: `poison-dlq-${suffix}` }))).QueueUrl ?? '';
    const deadLetterArn = (
      await sqs.send(new GetQueueAttributesCommand({ QueueUrl: deadLetterUrl, AttributeNames: ['QueueArn'] }))
    ).Attributes?.QueueArn;
    inboundUrl =
      (
        await sqs.send(
          new CreateQueueCommand({
            QueueName: `poison-inbound-${suffix}`,
            Attributes: {
              RedrivePolicy: JSON.stringify({
                deadLetterTargetArn: deadLetterArn,
                maxReceiveCount: MAX_RECEIVE_COUNT,
              }),
            },
          }),
        )
      ).QueueUrl ?? '';
  });
  afterAll(() => {
    sqs.destroy();
    dynamo.destroy();
  });

  async function deadLetters(): Promise<Message[]> {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: deadLetterUrl,
        MaxNumberOfMessages: 10,
        MessageAttributeNames: ['All'],
        MessageSystemAttributeNames: ['All'],
        VisibilityTimeout: 0,
      }),
    );
    return Messages;
  }

  it('records the good messages at once and sends each poison record to the DLQ, each with its reason', async () => {
    const good: InboundMessage[] = Array.from({ length: 7 }, (_, index) =>
      freshEmail(uniqueMessageId(`good-${index}`)),
    );
    const pill = freshEmail(uniqueMessageId('pill'));
    const bodies = [
      ...good.slice(0, 3).map((message) => JSON.stringify(message)),
      'not json at all {',
      JSON.stringify(pill),
      JSON.stringify({ channel: 'email', externalId: '<no-body@x>' }),
      ...good.slice(3).map((message) => JSON.stringify(message)),
    ];
    await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: inboundUrl,
        Entries: bodies.map((body, index) => ({ Id: String(index), MessageBody: body })),
      }),
    );
    const services = {
      caseStore: storeFailingFor(new DynamoCaseStore(dynamo, { tableName }), pill.externalId),
      clock: { now: () => new Date('2026-12-01T15:00:05.000Z') },
      policy: DEFAULT_POLICY,
      deadLetters: new SqsDeadLetters(sqs, deadLetterUrl),
      concurrency: 4,
      maxReceiveCount: MAX_RECEIVE_COUNT,
    };
    const answers: { records: string[]; failed: string[] }[] = [];
    const handle = async (event: SQSEvent): Promise<SQSBatchResponse> => {
      const response = await handleInboundBatch(event, services);
      const bodyOf = new Map(event.Records.map((record) => [record.messageId, record.body]));
      answers.push({
        records: event.Records.map((record) => record.body),
        failed: response.batchItemFailures.map((failure) => bodyOf.get(failure.itemIdentifier) ?? ''),
      });
      return response;
    };

    // Lambda's SQS event source, locally: failures come back after their visibility timeout until
    // the queue's redrive policy moves them to the DLQ.
    await new SqsPoller(sqs, inboundUrl, handle).drain(60_000);

    const placed = casesByExternalId(await snapshotTable(endpoints.dynamodb ?? '', tableName));
    for (const message of good) expect(placed.get(message.externalId), message.externalId).toHaveLength(1);
    expect(placed.has(pill.externalId)).toBe(false);
    // Every delivery of the pill but the last reported it, and only it, as the batch's failure;
    // on the last receive the route stage parked it with its error.
    const withPill = answers.filter((answer) => answer.records.includes(JSON.stringify(pill)));
    expect(withPill.map((answer) => answer.failed)).toEqual([
      ...Array(MAX_RECEIVE_COUNT - 1).fill([JSON.stringify(pill)]),
      [],
    ]);
    expect(answers.flatMap((answer) => answer.failed).every((body) => body === JSON.stringify(pill))).toBe(
      true,
    );

    const parked = (await deadLetters()).map((message) => ({
      body: message.Body,
      reason: message.MessageAttributes?.failureReason?.StringValue,
      receiveCount: Number(message.Attributes?.ApproximateReceiveCount ?? 0),
    }));
    expect(parked).toHaveLength(3);
    // Records that can never succeed are parked at once, with the reason.
    expect(parked).toContainEqual(
      expect.objectContaining({ body: 'not json at all {', reason: 'body is not JSON' }),
    );
    expect(parked).toContainEqual(
      expect.objectContaining({
        body: JSON.stringify({ channel: 'email', externalId: '<no-body@x>' }),
        reason: expect.stringMatching(/^not an InboundMessage: .*receivedAt/),
      }),
    );
    // A record that fails on every receive is parked on its last one, with the error it failed with.
    expect(parked).toContainEqual(
      expect.objectContaining({
        body: JSON.stringify(pill),
        reason: `failed on each of its ${MAX_RECEIVE_COUNT} receives; the last: TypeError: poison pill (injected)`,
      }),
    );
  }, 90_000);
});
