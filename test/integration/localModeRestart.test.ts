import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { GetQueueUrlCommand, ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, describe, expect, it } from 'vitest';
import { sqsClient } from '../../lambdas/adapters/awsClients.js';
import { halfWrittenCaseProblems, snapshotTable } from '../helpers/caseInvariants.js';
import { fixture } from '../helpers/fixtures.js';
import { type LocalModeProcess, startLocalModeProcess } from '../helpers/localModeProcess.js';
import { rawRequest, sendRaw } from '../helpers/rawHttp.js';

const MESSAGES = 24;
const TABLE = 'contact-router-cases';

function mail(index: number): string {
  return fixture('email/refill.eml')
    .toString('utf8')
    .replace(/Message-ID: <[^>]+>/, `Message-ID: <restart-${index}@mail.example.com>`);
}

/** Polls the table until `done` holds or the deadline passes (the router routes in the background). */
async function waitForTable(run: LocalModeProcess, done: (ids: string[]) => boolean, timeoutMs = 90_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const snapshot = await snapshotTable(run.dynamodbEndpoint, TABLE);
    const ids = [...snapshot.messages.values()].flat().map((message) => message.externalId);
    if (done(ids) || Date.now() > deadline) return { snapshot, ids };
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/** Polls a condition the router reaches in the background, up to a deadline. */
async function waitFor(condition: () => boolean, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (!condition() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 250));
}

/** The `failureReason` of every message in the restarted router's DLQ. */
async function deadLetterReasons(run: LocalModeProcess): Promise<string[]> {
  const sqs = sqsClient({ sqs: run.sqsEndpoint, region: 'us-east-1' });
  const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: 'contact-router-inbound-dlq' }));
  const { Messages = [] } = await sqs.send(
    new ReceiveMessageCommand({
      QueueUrl,
      MaxNumberOfMessages: 10,
      MessageAttributeNames: ['All'],
      VisibilityTimeout: 0,
    }),
  );
  sqs.destroy();
  return Messages.map((message) => message.MessageAttributes?.failureReason?.StringValue ?? '');
}

describe('local mode keeps its data across a SIGKILL', () => {
  const dataDirectory = mkdtempSync(path.join(tmpdir(), 'cr-data-'));
  const runs: LocalModeProcess[] = [];
  afterAll(async () => {
    for (const run of runs) if (run.alive()) run.child.kill('SIGKILL');
    await Promise.all(runs.map((run) => run.exited));
    rmSync(dataDirectory, { recursive: true, force: true });
  });

  it('stays up through hostile request lines, then loses nothing it answered 202 for and keeps its dead letters', async () => {
    const first = await startLocalModeProcess(['--data-dir', dataDirectory]);
    runs.push(first);
    for (const request of [
      rawRequest('GET http://[ HTTP/1.1', ['Host: x']),
      rawRequest('GET http://x:99999/ HTTP/1.1', ['Host: x']),
      rawRequest('GET //[x HTTP/1.1'),
    ]) {
      expect((await sendRaw(first.port, request)).status).toBe(400);
    }
    expect(first.alive()).toBe(true);
    // A record the route stage can never route: parked in the DLQ, which lives in fauxqs's memory.
    const sqs = sqsClient({ sqs: first.sqsEndpoint, region: 'us-east-1' });
    const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: 'contact-router-inbound' }));
    await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'not an inbound message' }));
    const deadLetters = path.join(dataDirectory, 'dead-letters');
    await waitFor(() => existsSync(deadLetters) && readdirSync(deadLetters).length === 1);
    sqs.destroy();

    const answers: number[] = [];
    for (let batch = 0; batch < MESSAGES; batch += 8) {
      const posted = await Promise.all(
        Array.from({ length: 8 }, (_, offset) =>
          fetch(`${first.url}/inbound/email`, { method: 'POST', body: mail(batch + offset) }),
        ),
      );
      answers.push(...posted.map((response) => response.status));
    }
    first.child.kill('SIGKILL');
    await first.exited;
    expect(answers).toEqual(Array(MESSAGES).fill(202));

    const second = await startLocalModeProcess(['--data-dir', dataDirectory]);
    runs.push(second);
    const { snapshot, ids } = await waitForTable(second, (seen) => new Set(seen).size >= MESSAGES);

    const expected = Array.from({ length: MESSAGES }, (_, index) => `<restart-${index}@mail.example.com>`);
    expect([...ids].sort()).toEqual([...expected].sort());
    expect(snapshot.cases).toHaveLength(MESSAGES);
    expect(halfWrittenCaseProblems(snapshot)).toEqual([]);
    expect(await deadLetterReasons(second)).toEqual(['body is not JSON']);
    // The kill came right after the last 202: some messages were still only in fauxqs's memory.
    expect(second.replayed).toBeGreaterThan(0);
    const journal = path.join(dataDirectory, 'journal');
    await waitFor(() => readdirSync(journal).length === 0);
    expect(readdirSync(journal)).toEqual([]);

    // Everything settled: a later start has nothing to replay, and a graceful stop exits cleanly.
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  }, 420_000);
});
