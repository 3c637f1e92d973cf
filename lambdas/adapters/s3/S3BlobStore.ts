import {
  CopyObjectCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  NoSuchKey,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { BlobStore } from '../../domain/ports.js';

// S3 user metadata is ASCII and at most 2 KB in all: encode and cap each value.
function encodeMetadata(metadata: Record<string, string> | undefined): Record<string, string> | undefined {
  if (!metadata) return undefined;
  return Object.fromEntries(
    Object.entries(metadata).map(([key, value]) => [key, encodeURIComponent(value).slice(0, 1_024)]),
  );
}

/** Raw content in S3. The bucket enforces KMS encryption; objects are written with SSE-KMS by default. */
export class S3BlobStore implements BlobStore {
  readonly #client: S3Client;
  readonly #bucket: string;

  constructor(client: S3Client, bucket: string) {
    this.#client = client;
    this.#bucket = bucket;
  }

  async put(key: string, body: Uint8Array | string, metadata?: Record<string, string>): Promise<void> {
    const encoded = encodeMetadata(metadata);
    await this.#client.send(
      new PutObjectCommand({
        Bucket: this.#bucket,
        Key: key,
        Body: body,
        ...(encoded ? { Metadata: encoded } : {}),
      }),
    );
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    try {
      const result = await this.#client.send(new GetObjectCommand({ Bucket: this.#bucket, Key: key }));
      return result.Body ? await result.Body.transformToByteArray() : undefined;
    } catch (error) {
      if (error instanceof NoSuchKey || (error as { name?: string }).name === 'NoSuchKey') return undefined;
      throw error;
    }
  }

  async move(fromKey: string, toKey: string, metadata?: Record<string, string>): Promise<void> {
    const encoded = encodeMetadata(metadata);
    await this.#client.send(
      new CopyObjectCommand({
        Bucket: this.#bucket,
        Key: toKey,
        CopySource: `${this.#bucket}/${encodeURIComponent(fromKey).replace(/%2F/g, '/')}`,
        ...(encoded ? { Metadata: encoded, MetadataDirective: 'REPLACE' } : {}),
      }),
    );
    await this.#client.send(new DeleteObjectCommand({ Bucket: this.#bucket, Key: fromKey }));
  }
}
