import { existsSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import type { AwsEndpoints } from '../adapters/awsClients.js';
import { documentClient } from '../adapters/awsClients.js';
import { startFauxqsOnLoopback } from './fauxqsServer.js';
import { spawnTethered } from './tetheredProcess.js';

const repoRoot = path.resolve(import.meta.dirname, '../..');
const emulatorDir = path.join(repoRoot, '.cache', 'ddb-local', 'emulator');
/** Compiled by `npm run setup` from scripts/dynamodb-local/LoopbackDynamoDbLocal.java. */
const launcherDir = path.join(repoRoot, '.cache', 'ddb-local', 'launcher');
const LAUNCHER_CLASS = 'LoopbackDynamoDbLocal';

export interface EmulatorPorts {
  dynamodb?: number;
  fauxqs?: number;
  ses?: number;
}

export interface EmulatorOptions {
  ports?: EmulatorPorts;
  /**
   * Where DynamoDB Local (`dynamodb/`) and fauxqs's S3 objects (`s3/`) keep their data across
   * restarts; absent = everything in memory (tests). SQS always lives in memory.
   */
  dataDirectory?: string;
}

export interface RunningEmulators {
  endpoints: Required<Omit<AwsEndpoints, 'region'>> & { region: string };
  stop: () => Promise<void>;
}

export class EmulatorStartError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'EmulatorStartError';
  }
}

/** A free loopback port (0 = let the OS choose; DynamoDB Local needs a concrete number). */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

async function waitUntil(
  label: string,
  probe: () => Promise<unknown>,
  timeoutMs: number,
  diagnostics: () => string,
) {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      await probe();
      return;
    } catch (error) {
      lastError = error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  throw new EmulatorStartError(`${label} did not become ready in ${timeoutMs} ms\n${diagnostics()}`, {
    cause: lastError,
  });
}

/**
 * Starts the real protocol servers local mode and integration tests run on: DynamoDB Local
 * (official jar, Java), fauxqs (SQS + S3, in-process) and aws-ses-v2-local (SES outbound).
 * All three listen on 127.0.0.1 only: DynamoDB Local through a launcher that binds its Jetty
 * connector to loopback, fauxqs through its app served on loopback, SES with `--host`.
 */
export async function startEmulators(options: EmulatorOptions = {}): Promise<RunningEmulators> {
  const ports = options.ports ?? {};
  const jar = path.join(emulatorDir, 'DynamoDBLocal.jar');
  if (!existsSync(jar) || !existsSync(path.join(launcherDir, `${LAUNCHER_CLASS}.class`))) {
    throw new EmulatorStartError(
      `DynamoDB Local or its loopback launcher is not installed under ${path.dirname(jar)}: run \`npm run setup\` first.`,
    );
  }
  const dynamodbPort = ports.dynamodb ?? (await freePort());
  const sesPort = ports.ses ?? (await freePort());
  const storage = options.dataDirectory
    ? ['-dbPath', path.join(options.dataDirectory, 'dynamodb')]
    : ['-inMemory'];
  if (options.dataDirectory)
    mkdirSync(path.join(options.dataDirectory, 'dynamodb'), { recursive: true, mode: 0o700 });

  const dynamodb = spawnTethered(
    'java',
    [
      `-Djava.library.path=${path.join(emulatorDir, 'DynamoDBLocal_lib')}`,
      '-cp',
      `${jar}${path.delimiter}${launcherDir}`,
      LAUNCHER_CLASS,
      ...storage,
      '-sharedDb',
      '-disableTelemetry',
      '-port',
      String(dynamodbPort),
    ],
    // DDB_LOCAL_TELEMETRY=0 stops the telemetry DNS lookup that -disableTelemetry alone still makes;
    // cwd /tmp keeps dynamodb-local-metadata.json out of the repo.
    { label: 'DynamoDB Local', cwd: '/tmp', env: { ...process.env, DDB_LOCAL_TELEMETRY: '0' } },
  );
  const ses = spawnTethered(
    process.execPath,
    [
      path.join(repoRoot, 'node_modules', 'aws-ses-v2-local', 'dist', 'cli.js'),
      '--host',
      '127.0.0.1',
      '--port',
      String(sesPort),
    ],
    { label: 'aws-ses-v2-local' },
  );
  const fauxqs = await startFauxqsOnLoopback({
    ...(ports.fauxqs ? { port: ports.fauxqs } : {}),
    ...(options.dataDirectory ? { s3Directory: path.join(options.dataDirectory, 's3') } : {}),
  });

  const endpoints = {
    dynamodb: `http://127.0.0.1:${dynamodbPort}`,
    sqs: `http://127.0.0.1:${fauxqs.port}`,
    s3: `http://127.0.0.1:${fauxqs.port}`,
    ses: `http://127.0.0.1:${sesPort}`,
    region: 'us-east-1',
  };
  const stop = async () => {
    await Promise.all([dynamodb.stop(), ses.stop(), fauxqs.stop()]);
  };
  try {
    const ddb = documentClient(endpoints);
    await Promise.all([
      waitUntil('DynamoDB Local', () => ddb.send(new ListTablesCommand({})), 30_000, dynamodb.output),
      waitUntil(
        'aws-ses-v2-local',
        async () => {
          const response = await fetch(`${endpoints.ses}/store`);
          if (!response.ok) throw new Error(`status ${response.status}`);
        },
        15_000,
        ses.output,
      ),
    ]);
  } catch (error) {
    await stop();
    throw error;
  }
  return { endpoints, stop };
}
