import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';

const repoRoot = path.resolve(import.meta.dirname, '../..');

export interface LocalModeProcess {
  child: ChildProcess;
  url: string;
  port: number;
  /** DynamoDB Local's and fauxqs's endpoints, as the ready banner prints them. */
  dynamodbEndpoint: string;
  sqsEndpoint: string;
  /** Accepted messages the start-up replayed (from the banner; 0 when it printed none). */
  replayed: number;
  output: () => string;
  exited: Promise<number | null>;
  alive: () => boolean;
}

/**
 * `contact-router serve` as its own process (the same code `npm start` runs), on a free port.
 * Resolves once the banner says it is ready. `node --import tsx` directly, so the pid is the
 * router's own and a SIGKILL hits it, not a wrapper.
 */
export function startLocalModeProcess(
  args: string[],
  options: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<LocalModeProcess> {
  const timeoutMs = options.timeoutMs ?? 120_000;
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'bin/contact-router.ts', 'serve', '--port', '0', ...args],
    {
      cwd: repoRoot,
      env: {
        ...process.env,
        ...options.env,
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        POWERTOOLS_LOG_LEVEL: 'WARN',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-200_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`local mode was not ready in ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    const onData = () => {
      const ready = /ready in [\d.]+ s at (http:\/\/127\.0\.0\.1:(\d+))/.exec(output);
      const dynamodb = /DynamoDB (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      const sqs = /SQS\/S3 (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (!ready || !dynamodb || !sqs) return;
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      resolve({
        child,
        url: ready[1] ?? '',
        port: Number(ready[2]),
        dynamodbEndpoint: dynamodb[1] ?? '',
        sqsEndpoint: sqs[1] ?? '',
        replayed: Number(/recovered: (\d+) accepted/.exec(output)?.[1] ?? 0),
        output: () => output,
        exited,
        alive: () => child.exitCode === null && child.signalCode === null,
      });
    };
    child.stdout?.on('data', onData);
    exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`local mode exited with ${code} before it was ready:\n${output}`));
    });
  });
}
