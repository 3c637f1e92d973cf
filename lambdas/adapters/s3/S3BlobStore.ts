import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  type HeadObjectCommandOutput,
  NoSuchKey,
  PutObjectCommand,
  type S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import type { ConditionalBlobStore } from '../../domain/ports.js';

/** A blob operation that failed; the original object is never deleted when this is thrown from `move`. */
export class BlobStoreError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'BlobStoreError';
  }
}

// S3 user metadata is at most 2 KB in all (keys and values, UTF-8 bytes) and travels in HTTP headers,
// so values are URI-encoded to ASCII.
const METADATA_LIMIT_BYTES = 2_048;

function encodeMetadata(metadata: Record<string, string> | undefined): Record<string, string> {
  return Object.fromEntries(
    Object.entries(metadata ?? {}).map(([key, value]) => [key.toLowerCase(), encodeURIComponent(value)]),
  );
}

function metadataBytes(metadata: Record<string, string>): number {
  return Object.entries(metadata).reduce(
    (sum, [key, value]) => sum + Buffer.byteLength(key) + Buffer.byteLength(value),
    0,
  );
}

function isDecodable(encoded: string): boolean {
  try {
    decodeURIComponent(encoded);
    return true;
  } catch {
    return false;
  }
}

/**
 * The object's own metadata with `added` on top, within S3's 2 KB: the original entries are kept whole
 * and the added values are shortened (never cut inside a %XX escape) until the whole fits.
 */
export function mergeMetadata(
  original: Record<string, string>,
  added: Record<string, string>,
): Record<string, string> {
  const merged = { ...original };
  for (const [key, value] of Object.entries(added)) {
    const room = METADATA_LIMIT_BYTES - metadataBytes({ ...merged, [key]: '' });
    if (room <= 0) continue;
    // A cut escape ("%2") or half a UTF-8 character ("%C3" of "%C3%A9") would be unreadable: back off
    // to the last whole character.
    let fitted = value.slice(0, room).replace(/%[0-9A-Fa-f]?$/, '');
    while (fitted && !isDecodable(fitted)) fitted = fitted.slice(0, fitted.lastIndexOf('%'));
    merged[key] = fitted;
  }
  return merged;
}

/** S3's smallest multipart part (all but the last): 5 MiB. */
export const S3_MINIMUM_PART_BYTES = 5 * 1024 * 1024;

export interface S3BlobStoreOptions {
  /**
   * Bodies larger than this go up as a multipart upload in parts of this size. Unset: one
   * PutObject whatever the size (S3 takes up to 5 GB in one). Local mode sets it because fauxqs
   * takes at most 11 MiB in one request.
   */
  partBytes?: number;
  /**
   * Waits before trying a conditional write again after S3's 409 (a concurrent conditional write
   * to the key still in flight: a double click, a webhook delivered twice at once). Default
   * 100, 200 and 400 ms: long enough for the other small PutObject to land.
   */
  conflictRetryDelaysMs?: readonly number[];
}

/** Raw content in S3. The bucket enforces KMS encryption; objects are written with SSE-KMS by default. */
export class S3BlobStore implements ConditionalBlobStore {
  readonly #client: S3Client;
  readonly #bucket: string;
  readonly #partBytes: number | undefined;
  readonly #conflictRetryDelaysMs: readonly number[];

  constructor(client: S3Client, bucket: string, options: S3BlobStoreOptions = {}) {
    if (options.partBytes !== undefined && !(options.partBytes >= S3_MINIMUM_PART_BYTES)) {
      throw new BlobStoreError(
        `partBytes must be at least ${S3_MINIMUM_PART_BYTES} (S3's smallest part); received ${options.partBytes}`,
      );
    }
    this.#client = client;
    this.#bucket = bucket;
    this.#partBytes = options.partBytes;
    this.#conflictRetryDelaysMs = options.conflictRetryDelaysMs ?? [100, 200, 400];
  }

  async put(key: string, body: Uint8Array | string, metadata?: Record<string, string>): Promise<void> {
    const encoded = mergeMetadata({}, encodeMetadata(metadata));
    const withMetadata = Object.keys(encoded).length > 0 ? { Metadata: encoded } : {};
    const bytes = typeof body === 'string' ? Buffer.from(body) : body;
    if (this.#partBytes === undefined || bytes.length <= this.#partBytes) {
      await this.#client.send(
        new PutObjectCommand({ Bucket: this.#bucket, Key: key, Body: bytes, ...withMetadata }),
      );
      return;
    }
    await this.#putInParts(key, bytes, this.#partBytes, withMetadata);
  }

  /**
   * S3 conditional write (`If-None-Match: *`, S3 User Guide "conditional writes"): 412 when the key
   * exists: another writer has it. 409 when a concurrent conditional write to it is still in flight:
   * S3 asks for a retry, and it is retried after a short wait, since a caller told "taken" reads the
   * object next (a form compares the earlier submission) and would find nothing yet; still in flight
   * after the waits, the key is taken. For small objects (markers): one PutObject, never multipart.
   */
  async create(key: string, body: Uint8Array | string, metadata?: Record<string, string>): Promise<boolean> {
    const encoded = mergeMetadata({}, encodeMetadata(metadata));
    for (let attempt = 0; ; attempt++) {
      try {
        await this.#client.send(
          new PutObjectCommand({
            Bucket: this.#bucket,
            Key: key,
            Body: typeof body === 'string' ? Buffer.from(body) : body,
            IfNoneMatch: '*',
            ...(Object.keys(encoded).length > 0 ? { Metadata: encoded } : {}),
          }),
        );
        return true;
      } catch (error) {
        const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
        if (status === 412) return false;
        if (status !== 409) throw error;
        const delay = this.#conflictRetryDelaysMs[attempt];
        if (delay === undefined) return false;
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }

  async #putInParts(
    key: string,
    body: Uint8Array,
    partBytes: number,
    withMetadata: { Metadata?: Record<string, string> },
  ): Promise<void> {
    const { UploadId } = await this.#client.send(
      new CreateMultipartUploadCommand({ Bucket: this.#bucket, Key: key, ...withMetadata }),
    );
    if (!UploadId) throw new BlobStoreError(`S3 returned no upload id for ${key}`);
    try {
      const parts: { PartNumber: number; ETag: string }[] = [];
      for (let offset = 0, partNumber = 1; offset < body.length; offset += partBytes, partNumber++) {
        const { ETag } = await this.#client.send(
          new UploadPartCommand({
            Bucket: this.#bucket,
            Key: key,
            UploadId,
            PartNumber: partNumber,
            Body: body.subarray(offset, offset + partBytes),
          }),
        );
        if (!ETag) throw new BlobStoreError(`S3 returned no ETag for part ${partNumber} of ${key}`);
        parts.push({ PartNumber: partNumber, ETag });
      }
      await this.#client.send(
        new CompleteMultipartUploadCommand({
          Bucket: this.#bucket,
          Key: key,
          UploadId,
          MultipartUpload: { Parts: parts },
        }),
      );
    } catch (error) {
      await this.#client
        .send(new AbortMultipartUploadCommand({ Bucket: this.#bucket, Key: key, UploadId }))
        .catch(() => undefined); // the upload's own failure is the one to report
      throw error;
    }
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

  /**
   * Moves an object without ever losing it: copy (keeping its content headers and user metadata,
   * with `metadata` added), read the copy back and check it, and only then delete the original.
   * Any failure before the delete leaves the original where it was and throws.
   */
  async move(fromKey: string, toKey: string, metadata?: Record<string, string>): Promise<void> {
    const source = await this.#head(fromKey, 'source');
    // S3 keeps metadata only with COPY, or replaces it all with REPLACE: to add entries, REPLACE with
    // the original's own entries and content headers carried over.
    const merged = mergeMetadata(source.Metadata ?? {}, encodeMetadata(metadata));
    await this.#client.send(
      new CopyObjectCommand({
        Bucket: this.#bucket,
        Key: toKey,
        CopySource: `${this.#bucket}/${encodeURIComponent(fromKey).replace(/%2F/g, '/')}`,
        // Copy exactly the version that was read (a concurrent overwrite fails the copy instead).
        ...(source.ETag ? { CopySourceIfMatch: source.ETag } : {}),
        MetadataDirective: 'REPLACE',
        Metadata: merged,
        ...contentHeaders(source),
      }),
    );
    const copy = await this.#head(toKey, 'copy');
    const problems = [
      ...(copy.ContentLength === source.ContentLength
        ? []
        : [`length ${copy.ContentLength} instead of ${source.ContentLength}`]),
      ...Object.entries(merged)
        .filter(([key, value]) => copy.Metadata?.[key] !== value)
        .map(([key]) => `metadata "${key}" missing or different`),
      ...(copy.ContentType === source.ContentType ? [] : ['content type differs']),
    ];
    if (problems.length > 0) {
      throw new BlobStoreError(
        `copy of ${fromKey} to ${toKey} did not verify (${problems.join('; ')}); the original was kept`,
      );
    }
    await this.#client.send(new DeleteObjectCommand({ Bucket: this.#bucket, Key: fromKey }));
  }

  async #head(key: string, role: 'source' | 'copy'): Promise<HeadObjectCommandOutput> {
    try {
      return await this.#client.send(new HeadObjectCommand({ Bucket: this.#bucket, Key: key }));
    } catch (error) {
      throw new BlobStoreError(`could not read the ${role} object ${key}`, { cause: error });
    }
  }
}

function contentHeaders(source: HeadObjectCommandOutput) {
  return {
    ...(source.ContentType ? { ContentType: source.ContentType } : {}),
    ...(source.ContentEncoding ? { ContentEncoding: source.ContentEncoding } : {}),
    ...(source.ContentDisposition ? { ContentDisposition: source.ContentDisposition } : {}),
    ...(source.ContentLanguage ? { ContentLanguage: source.ContentLanguage } : {}),
    ...(source.CacheControl ? { CacheControl: source.CacheControl } : {}),
  };
}
