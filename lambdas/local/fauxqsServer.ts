import { createHash, randomUUID } from 'node:crypto';
import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import * as z from 'zod';

/**
 * fauxqs (SQS + S3) served on 127.0.0.1, optionally with its S3 objects kept on disk.
 *
 * Why not `startFauxqs()`: it listens on 0.0.0.0 whatever `host` says (1.9.2 hard-codes it), so
 * anyone who can reach the machine could read raw mail. The package's `buildApp()` takes the
 * stores and returns the Fastify app; we listen on loopback ourselves. Its S3 store keeps objects
 * in memory; `FileS3Store` below extends it to write each object through to disk. The store
 * classes are not in the package's export map, so they are imported by file from the package's
 * `dist/` — fauxqs is pinned to exactly 1.9.2 and `fauxqsServer.test.ts` fails if the layout moves.
 */

interface S3Object {
  key: string;
  body: Buffer;
  contentType: string;
  contentLength: number;
  etag: string;
  lastModified: Date;
  metadata: Record<string, string>;
}

/** The part of fauxqs 1.9.2's `S3Store` this module overrides or reads. */
interface FauxqsS3Store {
  buckets: Map<string, Map<string, S3Object>>;
  multipartUploads: Map<string, { bucket: string }>;
  createBucket(name: string): void;
  deleteBucket(name: string): void;
  hasBucket(name: string): boolean;
  putObject(
    bucket: string,
    key: string,
    body: Buffer,
    contentType?: string,
    metadata?: Record<string, string>,
  ): S3Object;
  deleteObject(bucket: string, key: string): void;
  completeMultipartUpload(uploadId: string, parts: { partNumber: number; etag: string }[]): S3Object;
  emptyBucket(name: string): void;
  clearObjects(): void;
  purgeAll(): void;
}

interface FauxqsApp {
  listen(options: { port: number; host: string }): Promise<string>;
  close(): Promise<void>;
}

interface FauxqsModules {
  buildApp(options: { logger: boolean; stores: Record<string, unknown> }): FauxqsApp;
  S3Store: new () => FauxqsS3Store;
  SqsStore: new () => unknown;
  SnsStore: new () => unknown;
}

/** …/node_modules/fauxqs/dist/app.js, found from here (`import.meta.resolve` is not in every runner). */
function fauxqsEntry(): string {
  for (let directory = import.meta.dirname; ; directory = path.dirname(directory)) {
    const candidate = path.join(directory, 'node_modules', 'fauxqs', 'dist', 'app.js');
    if (existsSync(candidate)) return pathToFileURL(candidate).href;
    if (path.dirname(directory) === directory) throw new Error('fauxqs is not installed: run npm ci');
  }
}

async function loadFauxqs(): Promise<FauxqsModules> {
  const entry = fauxqsEntry();
  const [app, s3, sqs, sns] = await Promise.all([
    import(entry),
    import(new URL('./s3/s3Store.js', entry).href),
    import(new URL('./sqs/sqsStore.js', entry).href),
    import(new URL('./sns/snsStore.js', entry).href),
  ]);
  const modules = {
    buildApp: app.buildApp,
    S3Store: s3.S3Store,
    SqsStore: sqs.SqsStore,
    SnsStore: sns.SnsStore,
  };
  for (const [name, value] of Object.entries(modules)) {
    if (typeof value !== 'function') {
      throw new Error(`fauxqs ${name} was not found where 1.9.2 keeps it (${entry}); pin fauxqs to 1.9.2`);
    }
  }
  return modules as FauxqsModules;
}

const ObjectRecordSchema = z.object({
  key: z.string(),
  bodyFile: z.string().regex(/^[0-9a-f]{64}\.[0-9a-f-]{36}\.body$/),
  contentType: z.string(),
  contentLength: z.number().int().nonnegative(),
  etag: z.string(),
  lastModified: z.iso.datetime(),
  metadata: z.record(z.string(), z.string()),
});
type ObjectRecord = z.infer<typeof ObjectRecordSchema>;

/** Writes a file so that a crash leaves either the old content or the new, never a torn file. */
function writeDurably(file: string, content: Buffer | string): void {
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, content, { mode: 0o600 }); // raw mail and its records: PHI
  const handle = openSync(temporary, 'r');
  try {
    fsyncSync(handle);
  } finally {
    closeSync(handle);
  }
  renameSync(temporary, file);
  syncDirectory(path.dirname(file));
}

function syncDirectory(directory: string): void {
  const handle = openSync(directory, 'r');
  try {
    fsyncSync(handle);
  } finally {
    closeSync(handle);
  }
}

const objectId = (key: string) => createHash('sha256').update(key).digest('hex');
const bucketDirectoryName = (bucket: string) => encodeURIComponent(bucket);

/**
 * Builds a fauxqs `S3Store` subclass whose objects live in `directory/<bucket>/`: each object is a
 * body file and a JSON record (the commit point, written last); bodies are read from disk on
 * demand, so memory does not grow with the mail kept. Writes are synchronous and fsynced: fauxqs
 * answers the PUT only after the object is on disk. In-progress multipart uploads stay in memory.
 */
function fileS3StoreClass(S3Store: FauxqsModules['S3Store']) {
  return class FileS3Store extends S3Store {
    readonly directory: string;

    constructor(directory: string) {
      super();
      this.directory = directory;
      mkdirSync(directory, { recursive: true, mode: 0o700 });
      this.#load();
    }

    #bucketDirectory(bucket: string): string {
      return path.join(this.directory, bucketDirectoryName(bucket));
    }

    #load(): void {
      for (const entry of readdirSync(this.directory, { withFileTypes: true })) {
        if (!entry.isDirectory()) continue;
        const bucket = decodeURIComponent(entry.name);
        super.createBucket(bucket);
        const objects = this.buckets.get(bucket);
        const bucketDirectory = this.#bucketDirectory(bucket);
        const referenced = new Set<string>();
        for (const file of readdirSync(bucketDirectory)) {
          if (!file.endsWith('.json')) continue;
          const parsed = ObjectRecordSchema.safeParse(
            JSON.parse(readFileSync(path.join(bucketDirectory, file), 'utf8')),
          );
          if (!parsed.success || !existsSync(path.join(bucketDirectory, parsed.data.bodyFile))) {
            throw new Error(`S3 object record ${path.join(bucketDirectory, file)} is damaged`);
          }
          referenced.add(parsed.data.bodyFile);
          objects?.set(parsed.data.key, this.#lazyObject(bucket, parsed.data));
        }
        // Bodies without a record are writes a crash interrupted before their commit point.
        for (const file of readdirSync(bucketDirectory)) {
          if ((file.endsWith('.body') && !referenced.has(file)) || file.endsWith('.tmp')) {
            unlinkSync(path.join(bucketDirectory, file));
          }
        }
      }
    }

    #lazyObject(bucket: string, record: ObjectRecord): S3Object {
      const bodyPath = path.join(this.#bucketDirectory(bucket), record.bodyFile);
      return {
        key: record.key,
        contentType: record.contentType,
        contentLength: record.contentLength,
        etag: record.etag,
        lastModified: new Date(record.lastModified),
        metadata: record.metadata,
        get body() {
          return readFileSync(bodyPath);
        },
      };
    }

    #persist(bucket: string, object: S3Object): void {
      const bucketDirectory = this.#bucketDirectory(bucket);
      const id = objectId(object.key);
      const recordFile = path.join(bucketDirectory, `${id}.json`);
      const previous = existsSync(recordFile)
        ? ObjectRecordSchema.safeParse(JSON.parse(readFileSync(recordFile, 'utf8')))
        : undefined;
      const record: ObjectRecord = {
        key: object.key,
        bodyFile: `${id}.${randomUUID()}.body`,
        contentType: object.contentType,
        contentLength: object.contentLength,
        etag: object.etag,
        lastModified: object.lastModified.toISOString(),
        metadata: object.metadata,
      };
      writeDurably(path.join(bucketDirectory, record.bodyFile), object.body);
      writeDurably(recordFile, JSON.stringify(record));
      if (previous?.success) rmSync(path.join(bucketDirectory, previous.data.bodyFile), { force: true });
      this.buckets.get(bucket)?.set(object.key, this.#lazyObject(bucket, record));
    }

    #forget(bucket: string, key: string): void {
      const bucketDirectory = this.#bucketDirectory(bucket);
      const recordFile = path.join(bucketDirectory, `${objectId(key)}.json`);
      if (!existsSync(recordFile)) return;
      const record = ObjectRecordSchema.safeParse(JSON.parse(readFileSync(recordFile, 'utf8')));
      unlinkSync(recordFile);
      syncDirectory(bucketDirectory);
      if (record.success) rmSync(path.join(bucketDirectory, record.data.bodyFile), { force: true });
    }

    override createBucket(name: string): void {
      if (!this.hasBucket(name)) {
        mkdirSync(this.#bucketDirectory(name), { recursive: true, mode: 0o700 });
        syncDirectory(this.directory);
      }
      super.createBucket(name);
    }

    override deleteBucket(name: string): void {
      super.deleteBucket(name);
      rmSync(this.#bucketDirectory(name), { recursive: true, force: true });
    }

    override putObject(
      bucket: string,
      key: string,
      body: Buffer,
      contentType?: string,
      metadata?: Record<string, string>,
    ): S3Object {
      const object = super.putObject(bucket, key, body, contentType, metadata);
      this.#persist(bucket, object);
      return object;
    }

    override completeMultipartUpload(
      uploadId: string,
      parts: { partNumber: number; etag: string }[],
    ): S3Object {
      const bucket = this.multipartUploads.get(uploadId)?.bucket;
      const object = super.completeMultipartUpload(uploadId, parts);
      if (bucket !== undefined) this.#persist(bucket, object);
      return object;
    }

    override deleteObject(bucket: string, key: string): void {
      super.deleteObject(bucket, key);
      this.#forget(bucket, key);
    }

    override emptyBucket(name: string): void {
      for (const key of [...(this.buckets.get(name)?.keys() ?? [])]) this.#forget(name, key);
      super.emptyBucket(name);
    }

    override clearObjects(): void {
      for (const name of this.buckets.keys()) this.emptyBucket(name);
      super.clearObjects();
    }

    override purgeAll(): void {
      this.clearObjects();
      for (const name of [...this.buckets.keys()])
        rmSync(this.#bucketDirectory(name), { recursive: true, force: true });
      super.purgeAll();
    }
  };
}

export interface FauxqsOnLoopback {
  port: number;
  url: string;
  stop(): Promise<void>;
}

/**
 * Starts fauxqs on 127.0.0.1. With `s3Directory`, S3 objects are kept there across restarts;
 * SQS queues and messages are always in memory (fauxqs 1.9.2 has no persistence for them).
 */
export async function startFauxqsOnLoopback(
  options: { port?: number; s3Directory?: string } = {},
): Promise<FauxqsOnLoopback> {
  const fauxqs = await loadFauxqs();
  const s3Store = options.s3Directory
    ? new (fileS3StoreClass(fauxqs.S3Store))(options.s3Directory)
    : new fauxqs.S3Store();
  const app = fauxqs.buildApp({
    logger: false,
    stores: { sqsStore: new fauxqs.SqsStore(), snsStore: new fauxqs.SnsStore(), s3Store },
  });
  const address = await app.listen({ port: options.port ?? 0, host: '127.0.0.1' });
  const port = Number(new URL(address).port);
  return { port, url: `http://127.0.0.1:${port}`, stop: () => app.close() };
}
