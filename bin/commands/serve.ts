import { parseArgs } from 'node:util';
import { startEmulators } from '../../lambdas/local/emulators.js';
import { startLocalRouter } from '../../lambdas/local/localRouter.js';
import type { CommandIo } from '../contact-router.js';

/** `contact-router serve` (npm start): emulators, gateway and pollers; Ctrl-C stops everything. */
export async function run(args: string[], io: CommandIo): Promise<number> {
  const { values } = parseArgs({ args, options: { port: { type: 'string' }, policy: { type: 'string' } } });
  if (values.policy) process.env.POLICY_FILE = values.policy;
  // The desk address acknowledgements and replies come from; the SES emulator accepts any.
  process.env.DESK_FROM ??= 'member-services@pharmacy.example';
  const port = Number(values.port ?? process.env.PORT ?? 3000);
  const started = performance.now();
  io.stdout.write('starting DynamoDB Local, fauxqs (SQS + S3) and aws-ses-v2-local …\n');
  const emulators = await startEmulators({
    ...(process.env.DYNAMODB_LOCAL_PORT ? { dynamodb: Number(process.env.DYNAMODB_LOCAL_PORT) } : {}),
  });
  let router: Awaited<ReturnType<typeof startLocalRouter>>;
  try {
    router = await startLocalRouter({ endpoints: emulators.endpoints, port, poll: true });
  } catch (error) {
    await emulators.stop();
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      io.stderr.write(`port ${port} is in use: stop what listens there or run PORT=<other> npm start\n`);
      return 1;
    }
    throw error;
  }
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  io.stdout.write(
    [
      `contact-router is ready in ${seconds} s at ${router.url}`,
      `  emulators: DynamoDB ${emulators.endpoints.dynamodb} · SQS/S3 ${emulators.endpoints.sqs} · SES ${emulators.endpoints.ses} (sent mail: ${emulators.endpoints.ses}/)`,
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
  return 0;
}
