/**
 * One process of bench:claims with `--processes N` (a Lambda container of its own: its own store,
 * head and client). Started by the bench with an IPC channel: it builds its claimers, says
 * `ready`, claims on `go`, sends back what it claimed, and exits when the bench goes away.
 */
import { type ClaimersSpec, prepareClaimers } from './claimers.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const send = (message: unknown) =>
  new Promise<void>((resolve, reject) =>
    process.send
      ? process.send(message, undefined, {}, (error) => (error ? reject(error) : resolve()))
      : reject(new Error('claimsProcess runs under bench:claims (no IPC channel)')),
  );

process.on('disconnect', () => process.exit(0));
process.once('message', async (spec: ClaimersSpec) => {
  const claimers = await prepareClaimers(spec);
  process.once('message', async () => {
    const result = await claimers.run();
    await send({ type: 'done', result });
    process.disconnect();
  });
  void send({ type: 'ready' });
});
