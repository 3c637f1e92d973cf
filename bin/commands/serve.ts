import path from 'node:path';
import { parseArgs } from 'node:util';
import { claimDataDirectory, DataDirectoryInUseError } from '../../lambdas/local/dataDirectory.js';
import { startEmulators } from '../../lambdas/local/emulators.js';
import { startLocalRouter } from '../../lambdas/local/localRouter.js';
import { installProcessGuard } from '../../lambdas/local/processGuard.js';
import type { CommandIo } from '../contact-router.js';

const DEFAULT_DATA_DIRECTORY = path.resolve(import.meta.dirname, '../../.data');

/**
 * `contact-router serve` (npm start): emulators, gateway and pollers; Ctrl-C stops everything.
 * Data is kept in `.data/` (or `--data-dir`, `CONTACT_ROUTER_DATA_DIR`) unless `--in-memory`.
 */
export async function run(args: string[], io: CommandIo): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      port: { type: 'string' },
      policy: { type: 'string' },
      'in-memory': { type: 'boolean', default: false },
      'data-dir': { type: 'string' },
    },
  });
  if (values.policy) process.env.POLICY_FILE = values.policy;
  const port = Number(values.port ?? process.env.PORT ?? 3000);
  const dataDirectory = values['in-memory']
    ? undefined
    : path.resolve(values['data-dir'] ?? process.env.CONTACT_ROUTER_DATA_DIR ?? DEFAULT_DATA_DIRECTORY);
  const log = (line: string) => io.stderr.write(`${line}\n`);
  const guard = installProcessGuard(log);
  const started = performance.now();

  let claim: Awaited<ReturnType<typeof claimDataDirectory>> | undefined;
  if (dataDirectory) {
    try {
      claim = await claimDataDirectory(dataDirectory);
    } catch (error) {
      if (!(error instanceof DataDirectoryInUseError)) throw error;
      io.stderr.write(`${error.message}\n`);
      guard.uninstall();
      return 1;
    }
  }
  io.stdout.write('starting DynamoDB Local, fauxqs (SQS + S3) and aws-ses-v2-local …\n');
  const emulators = await startEmulators({
    ...(process.env.DYNAMODB_LOCAL_PORT
      ? { ports: { dynamodb: Number(process.env.DYNAMODB_LOCAL_PORT) } }
      : {}),
    ...(dataDirectory ? { dataDirectory } : {}),
  });
  let router: Awaited<ReturnType<typeof startLocalRouter>>;
  try {
    router = await startLocalRouter({
      endpoints: emulators.endpoints,
      port,
      poll: true,
      log,
      ...(dataDirectory ? { dataDirectory } : {}),
    });
  } catch (error) {
    await emulators.stop();
    await claim?.release();
    guard.uninstall();
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      io.stderr.write(`port ${port} is in use: stop what listens there or run PORT=<other> npm start\n`);
      return 1;
    }
    throw error;
  }
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  const { replayed, deadLetters, unrecoverable } = router.recovered;
  io.stdout.write(
    [
      `contact-router is ready in ${seconds} s at ${router.url}`,
      dataDirectory
        ? `  data:      ${dataDirectory} (cases, raw mail, accepted messages; --in-memory to keep nothing)`
        : '  data:      in memory only (--in-memory): everything is gone when this process stops',
      ...(replayed + deadLetters + unrecoverable > 0
        ? [
            `  recovered: ${replayed} accepted message(s) replayed into the pipeline, ${deadLetters} dead letter(s) restored` +
              (unrecoverable > 0 ? `, ${unrecoverable} that could not be replayed (see the log)` : ''),
          ]
        : []),
      `  emulators: DynamoDB ${emulators.endpoints.dynamodb} · SQS/S3 ${emulators.endpoints.sqs} · SES ${emulators.endpoints.ses} (sent mail: ${emulators.endpoints.ses}/), all on 127.0.0.1`,
      `  send mail: curl --data-binary @message.eml ${router.url}/inbound/email`,
      '  staff token: TOKEN=$(npx contact-router token --staff alice)',
      `  queues:    curl -H "authorization: Bearer $TOKEN" ${router.url}/queues`,
      'Ctrl-C stops everything.',
      '',
    ].join('\n'),
  );
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  io.stdout.write('\nstopping …\n');
  await router.stop();
  await emulators.stop();
  await claim?.release();
  guard.uninstall();
  return 0;
}
