import type { S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { S3BlobStore } from '../../../lambdas/adapters/s3/S3BlobStore.js';

/**
 * S3's conditional write (If-None-Match: *) cannot be tried on fauxqs, which ignores the header:
 * this checks the request the adapter sends and how it reads S3's documented answers.
 */
function clientAnswering(status: number | undefined) {
  const sent: { input: Record<string, unknown> }[] = [];
  const client = {
    send: async (command: { input: Record<string, unknown> }) => {
      sent.push(command);
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

  it.each([
    [412, 'the key exists'],
    [409, 'a concurrent conditional write to it is in flight'],
  ])('reports the key taken when S3 answers %i (%s)', async (status) => {
    const { client } = clientAnswering(status);

    expect(await new S3BlobStore(client, 'raw').create('fax/x/claim.json', '{}')).toBe(false);
  });

  it('rethrows any other failure', async () => {
    const { client } = clientAnswering(503);

    await expect(new S3BlobStore(client, 'raw').create('fax/x/claim.json', '{}')).rejects.toThrow(
      'status 503',
    );
  });
});
