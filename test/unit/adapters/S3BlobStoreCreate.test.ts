import type { S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { S3BlobStore } from '../../../lambdas/adapters/s3/S3BlobStore.js';

/**
 * S3's conditional write (If-None-Match: *) cannot be tried on fauxqs, which ignores the header:
 * this checks the request the adapter sends and how it reads S3's documented answers.
 */
function clientAnswering(...statuses: (number | undefined)[]) {
  const sent: { input: Record<string, unknown> }[] = [];
  const client = {
    send: async (command: { input: Record<string, unknown> }) => {
      sent.push(command);
      const status = statuses[Math.min(sent.length, statuses.length) - 1];
      if (status === undefined) return {};
      throw Object.assign(new Error(`status ${status}`), { $metadata: { httpStatusCode: status } });
    },
  } as unknown as S3Client;
  return { client, sent };
}

describe('S3BlobStore.create', () => {
  it('writes with If-None-Match: * and reports the key created', async () => {
    const { client, sent } = clientAnswering(undefined);

    expect(await new S3BlobStore(client, 'raw').create('fax/x/claim.json', '{}')).toBe(true);
    expect(sent[0]?.input).toMatchObject({ Bucket: 'raw', Key: 'fax/x/claim.json', IfNoneMatch: '*' });
  });

  it('reports the key taken when S3 answers 412 (the key exists)', async () => {
    const { client } = clientAnswering(412);

    expect(await new S3BlobStore(client, 'raw').create('fax/x/claim.json', '{}')).toBe(false);
  });

  it('tries again after 409 (a concurrent write in flight), so a double click finds the first one written', async () => {
    const { client, sent } = clientAnswering(409, 412);
    const store = new S3BlobStore(client, 'raw', { conflictRetryDelaysMs: [1, 1, 1] });

    expect(await store.create('form/x.json', '{}')).toBe(false);
    expect(sent).toHaveLength(2);
  });

  it('creates the key when the concurrent write it waited for failed', async () => {
    const { client, sent } = clientAnswering(409, undefined);
    const store = new S3BlobStore(client, 'raw', { conflictRetryDelaysMs: [1, 1, 1] });

    expect(await store.create('form/x.json', '{}')).toBe(true);
    expect(sent).toHaveLength(2);
  });

  it('reports the key taken when the other write is still in flight after every wait', async () => {
    const { client, sent } = clientAnswering(409);
    const store = new S3BlobStore(client, 'raw', { conflictRetryDelaysMs: [1, 1] });

    expect(await store.create('form/x.json', '{}')).toBe(false);
    expect(sent).toHaveLength(3);
  });

  it('rethrows any other failure', async () => {
    const { client } = clientAnswering(503);

    await expect(new S3BlobStore(client, 'raw').create('fax/x/claim.json', '{}')).rejects.toThrow(
      'status 503',
    );
  });
});
