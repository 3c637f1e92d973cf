import { randomUUID } from 'node:crypto';
import { PassThrough } from 'node:stream';
import {
  CreateQueueCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { beforeEach, describe, expect, inject, it } from 'vitest';
import { run } from '../../bin/commands/dlq.js';
import { sqsClient } from '../../lambdas/adapters/aws/sqsClient.js';

const endpoints = inject('endpoints');

async function dlq(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const chunks = { stdout: [] as Buffer[], stderr: [] as Buffer[] };
  stdout.on('data', (chunk: Buffer) => chunks.stdout.push(chunk));
  stderr.on('data', (chunk: Buffer) => chunks.stderr.push(chunk));
  const code = await run([...args, '--endpoint', endpoints.sqs, '--region', endpoints.region], {
    stdin: new PassThrough(),
    stdout,
    stderr,
  });
  return {
    code,
    stdout: Buffer.concat(chunks.stdout).toString('utf8'),
    stderr: Buffer.concat(chunks.stderr).toString('utf8'),
  };
}

async function drain(client: SQSClient, queueUrl: string) {
  const messages = [];
  for (;;) {
    const result = await client.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        MessageAttributeNames: ['All'],
        VisibilityTimeout: 30,
      }),
    );
    if (!result.Messages?.length) return messages;
    messages.push(...result.Messages);
  }
}

describe('contact-router dlq on fauxqs SQS', () => {
  let client: SQSClient;
  let deadLetters: string;
  let inbound: string;
  beforeEach(async () => {
    client = sqsClient(endpoints);
    const suffix = randomUUID().slice(0, 8);
    deadLetters = (await client.send(new CreateQueueCommand({ QueueName: `dlq-${suffix}` }))).QueueUrl ?? '';
    inbound = (await client.send(new CreateQueueCommand({ QueueName: `inbound-${suffix}` }))).QueueUrl ?? '';
  });

  async function park(body: string, reason = 'DynamoDB throttled') {
    await client.send(
      new SendMessageCommand({
        QueueUrl: deadLetters,
        MessageBody: body,
        MessageAttributes: {
          failureReason: { DataType: 'String', StringValue: reason },
          channel: { DataType: 'String', StringValue: 'email' },
        },
      }),
    );
  }

  it('redrives every dead letter with its body and attributes, and empties the DLQ', async () => {
    for (const n of [1, 2, 3]) await park(JSON.stringify({ externalId: `<m${n}@x>` }));

    const result = await dlq(['redrive', '--from', deadLetters, '--to', inbound]);

    expect(result).toMatchObject({ code: 0, stdout: 'moved 3, refused 0, skipped 0\n' });
    const moved = await drain(client, inbound);
    expect(moved.map((message) => message.Body).sort()).toEqual([
      '{"externalId":"<m1@x>"}',
      '{"externalId":"<m2@x>"}',
      '{"externalId":"<m3@x>"}',
    ]);
    expect(moved[0]?.MessageAttributes?.channel?.StringValue).toBe('email');
    expect(moved[0]?.MessageAttributes?.failureReason?.StringValue).toBe('DynamoDB throttled');
    expect(await drain(client, deadLetters)).toEqual([]);
  });

  it('moves at most --max messages and leaves the rest visible in the DLQ', async () => {
    for (const n of [1, 2, 3, 4]) await park(`{"n":${n}}`);

    const result = await dlq(['redrive', '--from', deadLetters, '--to', inbound, '--max', '2']);

    expect(result.stdout).toBe('moved 2, refused 0, skipped 0\n');
    expect(await drain(client, inbound)).toHaveLength(2);
    expect(await drain(client, deadLetters)).toHaveLength(2);
  });

  it('moves nothing on a dry run and lists what it would move, without message bodies', async () => {
    await park('{"bodyText":"my SSN is 123-45-6789"}', 'not an InboundMessage: channel: Required');

    const result = await dlq(['redrive', '--from', deadLetters, '--to', inbound, '--dry-run']);

    expect(result.code).toBe(0);
    expect(result.stdout).toContain('"failureReason":"not an InboundMessage: channel: Required"');
    expect(result.stdout).toContain('dry run: 1 message(s) would be redriven');
    expect(result.stdout).not.toContain('123-45-6789');
    expect(await drain(client, inbound)).toEqual([]);
    expect(await drain(client, deadLetters)).toHaveLength(1);
  });

  it('leaves Lambda failure records in place and says how to replay them', async () => {
    await client.send(
      new SendMessageCommand({
        QueueUrl: deadLetters,
        MessageBody: '{"Records":[{"eventSource":"aws:ses"}]}',
        MessageAttributes: {
          RequestID: { DataType: 'String', StringValue: 'req-1' },
          ErrorCode: { DataType: 'Number', StringValue: '200' },
          ErrorMessage: { DataType: 'String', StringValue: 'Task timed out' },
        },
      }),
    );

    const result = await dlq(['redrive', '--from', deadLetters, '--to', inbound]);

    expect(result.stdout).toBe('moved 0, refused 0, skipped 1\n');
    expect(result.stderr).toMatch(/Lambda failure records[\s\S]*aws lambda invoke/);
    expect(await drain(client, inbound)).toEqual([]);
    expect(await drain(client, deadLetters)).toHaveLength(1);
  });

  it('counts what waits in a queue', async () => {
    await park('{}');
    await park('{}');

    expect((await dlq(['stats', '--queue', deadLetters])).stdout).toBe('2 waiting, 0 in flight\n');
  });

  it('answers a missing or malformed queue URL with usage and exit code 2', async () => {
    expect(await dlq(['redrive', '--from', deadLetters])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('--to is required'),
    });
    expect(await dlq(['stats', '--queue', 'inbound-dlq'])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('expected a queue URL'),
    });
  });
});
