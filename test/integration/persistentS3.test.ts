import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import { afterEach, describe, expect, it } from 'vitest';
import { s3Client } from '../../lambdas/adapters/awsClients.js';
import { S3BlobStore } from '../../lambdas/adapters/s3/S3BlobStore.js';
import { type FauxqsOnLoopback, startFauxqsOnLoopback } from '../../lambdas/local/fauxqsServer.js';
import { putRawObject, RAW_UPLOAD_PART_BYTES } from '../../lambdas/local/rawMailUpload.js';

describe('fauxqs S3 kept on disk', () => {
  const directory = mkdtempSync(path.join(tmpdir(), 'cr-s3-'));
  let server: FauxqsOnLoopback | undefined;
  const start = async () => {
    server = await startFauxqsOnLoopback({ s3Directory: directory });
    return s3Client({ s3: server.url, region: 'us-east-1' });
  };
  afterEach(async () => {
    await server?.stop();
  });

  it('keeps objects, metadata, moves and deletes across a restart; bodies are read from disk', async () => {
    let s3 = await start();
    await s3.send(new CreateBucketCommand({ Bucket: 'raw' }));
    const blobs = new S3BlobStore(s3, 'raw');
    await blobs.put('email/one', 'first body', { reason: 'kept' });
    await blobs.put('email/two', 'second');
    await blobs.put('email/two', 'second, overwritten');
    await blobs.put('email/gone', 'deleted');
    await blobs.move('email/one', 'quarantine/email/one', { 'quarantine-reason': 'no sender' });
    await s3.send(new DeleteObjectCommand({ Bucket: 'raw', Key: 'email/gone' }));
    await server?.stop();

    s3 = await start();
    const keys = (await s3.send(new ListObjectsV2Command({ Bucket: 'raw' }))).Contents?.map(
      (item) => item.Key,
    );
    const again = new S3BlobStore(s3, 'raw');
    const moved = await s3.send(new HeadObjectCommand({ Bucket: 'raw', Key: 'quarantine/email/one' }));

    expect(keys).toEqual(['email/two', 'quarantine/email/one']);
    expect(new TextDecoder().decode(await again.get('quarantine/email/one'))).toBe('first body');
    expect(new TextDecoder().decode(await again.get('email/two'))).toBe('second, overwritten');
    // The move keeps the object's own metadata and adds the reason (S3BlobStore.move).
    expect(moved.Metadata).toEqual({ reason: 'kept', 'quarantine-reason': 'no%20sender' });
    expect(await again.get('email/gone')).toBeUndefined();
    // one record and one body per object: the overwritten and deleted bodies are gone from disk
    expect(
      readdirSync(path.join(directory, 'raw'))
        .map((name) => name.split('.').at(-1))
        .sort(),
    ).toEqual(['body', 'body', 'json', 'json']);
  });

  it('keeps a raw message larger than one request as a multipart upload', async () => {
    const s3 = await start();
    const raw = new Uint8Array(RAW_UPLOAD_PART_BYTES * 2 + 12_345).map((_, index) => index % 251);

    await putRawObject(s3, 'raw', 'email/large', raw);
    await server?.stop();
    const again = await start();
    const read = await again.send(new GetObjectCommand({ Bucket: 'raw', Key: 'email/large' }));

    expect(Buffer.from((await read.Body?.transformToByteArray()) ?? []).equals(Buffer.from(raw))).toBe(true);
  });

  it('answers a missing key with NoSuchKey after a restart', async () => {
    const s3 = await start();

    await expect(s3.send(new GetObjectCommand({ Bucket: 'raw', Key: 'email/none' }))).rejects.toMatchObject({
      name: 'NoSuchKey',
    });
    await expect(
      s3.send(new PutObjectCommand({ Bucket: 'nobucket', Key: 'k', Body: 'x' })),
    ).rejects.toMatchObject({
      name: 'NoSuchBucket',
    });
    rmSync(directory, { recursive: true, force: true });
  });
});
