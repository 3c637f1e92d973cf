import type { S3Client } from '@aws-sdk/client-s3';
import { S3BlobStore } from '../adapters/s3/S3BlobStore.js';

/**
 * fauxqs takes at most 11 MiB in one request (its Fastify body limit), while SES accepts messages
 * of up to 40 MB. Larger objects go up as a multipart upload of parts this size (S3's minimum part
 * is 5 MiB), so local mode accepts what SES accepts: the raw mail, and what ingest stores from it
 * (attachments, faxed documents). In AWS, SES's S3 action writes the raw object, and a Lambda's
 * single PutObject takes up to 5 GB.
 */
export const RAW_UPLOAD_PART_BYTES = 8 * 1024 * 1024;

/**
 * Local mode's raw-content store: objects larger than one part go up in parts, and `create` is
 * made atomic in this process, because fauxqs ignores `If-None-Match` (it writes anyway). Local
 * mode is one process, so a per-key queue gives the guarantee S3 gives in AWS.
 */
export class LocalBlobStore extends S3BlobStore {
  readonly #creating = new Map<string, Promise<boolean>>();

  constructor(client: S3Client, bucket: string) {
    super(client, bucket, { partBytes: RAW_UPLOAD_PART_BYTES });
  }

  override create(
    key: string,
    body: Uint8Array | string,
    metadata?: Record<string, string>,
  ): Promise<boolean> {
    const previous = this.#creating.get(key) ?? Promise.resolve(false);
    const attempt = previous
      .catch(() => false)
      .then(async () => ((await this.get(key)) ? false : super.create(key, body, metadata)));
    this.#creating.set(key, attempt);
    const forget = () => {
      if (this.#creating.get(key) === attempt) this.#creating.delete(key);
    };
    attempt.then(forget, forget);
    return attempt;
  }
}

export function localBlobStore(client: S3Client, bucket: string): LocalBlobStore {
  return new LocalBlobStore(client, bucket);
}

/** Puts the raw original of an inbound message, in parts when it is larger than one part. */
export async function putRawObject(
  client: S3Client,
  bucket: string,
  key: string,
  body: Uint8Array,
): Promise<void> {
  await localBlobStore(client, bucket).put(key, body);
}
