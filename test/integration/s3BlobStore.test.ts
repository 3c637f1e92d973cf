import { randomUUID } from 'node:crypto';
import { CreateBucketCommand, HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { s3Client } from '../../lambdas/adapters/aws/s3Client.js';
import {
  BlobStoreError,
  mergeMetadata,
  S3_MINIMUM_PART_BYTES,
  S3BlobStore,
} from '../../lambdas/adapters/s3/S3BlobStore.js';
import { LocalBlobStore } from '../../lambdas/local/rawMailUpload.js';

const endpoints = inject('endpoints');

describe('S3BlobStore on fauxqs S3', () => {
  let client: S3Client;
  let bucket: string;
  let store: S3BlobStore;
  beforeAll(async () => {
    client = s3Client(endpoints);
    bucket = `blob-store-${randomUUID().slice(0, 8)}`;
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
    store = new S3BlobStore(client, bucket);
  });

  async function putRaw(key: string, metadata: Record<string, string>) {
    await client.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: key,
        Body: 'From: someone\r\n\r\nbody',
        ContentType: 'message/rfc822',
        Metadata: metadata,
      }),
    );
  }

  it('puts a body larger than one request in parts, with its metadata, when asked to', async () => {
    // fauxqs takes at most 11 MiB in one request: 12 MiB in one PutObject fails there.
    const body = new Uint8Array(12 * 1024 * 1024 + 7).map((_, index) => index % 253);
    const inParts = new S3BlobStore(client, bucket, { partBytes: S3_MINIMUM_PART_BYTES });

    await inParts.put('email/m0/attachments/1-scan.pdf', body, { 'content-type': 'application/pdf' });

    const read = await store.get('email/m0/attachments/1-scan.pdf');
    expect(Buffer.from(read ?? []).equals(Buffer.from(body))).toBe(true);
    const head = await client.send(
      new HeadObjectCommand({ Bucket: bucket, Key: 'email/m0/attachments/1-scan.pdf' }),
    );
    // Metadata values travel URI-encoded (HTTP headers are ASCII).
    expect(head.Metadata).toEqual({ 'content-type': 'application%2Fpdf' });
  });

  it("creates a key once when local mode's store is asked five times at once (fauxqs ignores If-None-Match)", async () => {
    const local = new LocalBlobStore(client, bucket);
    const key = `fax/telnyx/${randomUUID()}/claim.json`;

    const created = await Promise.all([1, 2, 3, 4, 5].map((n) => local.create(key, `claim ${n}`)));

    expect(created.filter(Boolean)).toHaveLength(1);
    const winner = created.indexOf(true) + 1;
    expect(Buffer.from((await store.get(key)) ?? []).toString()).toBe(`claim ${winner}`);
    expect(await local.create(key, 'later')).toBe(false);
  });

  it('refuses a part size below S3 minimum, naming what it received', () => {
    expect(() => new S3BlobStore(client, bucket, { partBytes: 1024 })).toThrow(
      /at least 5242880.*received 1024/,
    );
  });

  it('moves an object into quarantine with its own metadata and content type kept and the reason added', async () => {
    await putRaw('email/m1', { 'x-ses-verdict': 'PASS', 'received-by': 'desk' });

    await store.move('email/m1', 'quarantine/email/m1', { 'quarantine-reason': 'no sender address: é' });

    const moved = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: 'quarantine/email/m1' }));
    expect(moved.Metadata).toEqual({
      'x-ses-verdict': 'PASS',
      'received-by': 'desk',
      'quarantine-reason': encodeURIComponent('no sender address: é'),
    });
    expect(moved.ContentType).toBe('message/rfc822');
    expect(new TextDecoder().decode(await store.get('quarantine/email/m1'))).toBe(
      'From: someone\r\n\r\nbody',
    );
    expect(await store.get('email/m1')).toBeUndefined();
  });

  it('keeps the original and throws when the source cannot be read', async () => {
    const move = store.move('email/missing', 'quarantine/email/missing', { 'quarantine-reason': 'x' });

    await expect(move).rejects.toThrow(BlobStoreError);
    expect(await store.get('quarantine/email/missing')).toBeUndefined();
  });

  it('keeps the original when the copy does not verify', async () => {
    await putRaw('email/m2', { a: '1' });
    // A store whose copies land somewhere else: the verification reads a different object.
    const misdirected = new S3BlobStore(
      {
        send: (command: { input: { Key?: string } }) => {
          if (command.constructor.name === 'CopyObjectCommand') {
            return client.send(
              new PutObjectCommand({ Bucket: bucket, Key: command.input.Key, Body: 'truncated' }),
            );
          }
          return client.send(command as never);
        },
      } as unknown as S3Client,
      bucket,
    );

    await expect(misdirected.move('email/m2', 'quarantine/email/m2', { reason: 'x' })).rejects.toThrow(
      /did not verify.*the original was kept/,
    );
    expect(await store.get('email/m2')).toBeDefined();
  });

  it('fits added metadata into the 2 KB S3 allows, keeping the original entries whole', () => {
    const original = { big: 'a'.repeat(1_500) };

    const merged = mergeMetadata(original, { reason: encodeURIComponent('é'.repeat(400)) });

    expect(merged.big).toBe(original.big);
    const bytes = Object.entries(merged).reduce((sum, [key, value]) => sum + key.length + value.length, 0);
    expect(bytes).toBeLessThanOrEqual(2_048);
    expect(merged.reason).toMatch(/^(%C3%A9)+$/);
  });
});
