import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import type { AwsEndpoints } from '../adapters/awsClients.js';
import { documentClient } from '../adapters/awsClients.js';
import { spawnTethered } from './tetheredProcess.js';

const repoRoot = path.resolve(import.meta.dirname, '../..');
const emulatorDir = path.join(repoRoot, '.cache', 'ddb-local', 'emulator');

export interface EmulatorPorts {
  dynamodb?: number;
  fauxqs?: number;
  ses?: number;
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
 */
export async function startEmulators(ports: EmulatorPorts = {}): Promise<RunningEmulators> {
  const jar = path.join(emulatorDir, 'DynamoDBLocal.jar');
  if (!existsSync(jar)) {
    throw new EmulatorStartError(`DynamoDB Local is not installed at ${jar}: run \`npm run setup\` first.`);
  }
  const dynamodbPort = ports.dynamodb ?? (await freePort());
  const sesPort = ports.ses ?? (await freePort());

  const dynamodb = spawnTethered(
    'java',
    [
      `-Djava.library.path=${path.join(emulatorDir, 'DynamoDBLocal_lib')}`,
      '-jar',
      jar,
      '-inMemory',
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
  const { startFauxqs } = await import('fauxqs');
  const fauxqs = await startFauxqs({ port: ports.fauxqs ?? 0, logger: false });

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
