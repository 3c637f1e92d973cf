import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { accepts, LOOPBACK_ADDRESSES, listeningAddresses } from '../helpers/listeningSockets.js';
import { startTestRouter } from '../helpers/localRouter.js';

/**
 * Every server local mode starts answers on 127.0.0.1 and nowhere else. Two checks per port:
 * the kernel's table of listening sockets shows a loopback address (not 0.0.0.0 or ::, which
 * would include the machine's own network address), and a connection to 127.0.0.2, which any
 * socket bound to all interfaces accepts, is refused. The control case below shows that the
 * second check catches an all-interfaces server, so a regression cannot pass unseen.
 * (No test traffic goes to the machine's non-loopback address: test traffic stays on loopback.)
 */
describe('local mode listens on loopback only', () => {
  const endpoints = inject('endpoints');
  let router: Awaited<ReturnType<typeof startTestRouter>>;
  let control: Server;

  beforeAll(async () => {
    router = await startTestRouter();
    control = createServer();
    await new Promise<void>((resolve) => control.listen(0, '0.0.0.0', resolve));
  });
  afterAll(async () => {
    await router.stop();
    await new Promise<void>((resolve) => control.close(() => resolve()));
  });

  it('catches a server bound to every interface (control)', async () => {
    const address = control.address();
    const port = typeof address === 'object' && address ? address.port : 0;

    expect(await accepts('127.0.0.2', port)).toBe(true);
    expect(listeningAddresses(port) ?? ['0.0.0.0']).toContain('0.0.0.0');
  });

  const servers = () => ({
    'DynamoDB Local': endpoints.dynamodb,
    'fauxqs (SQS and S3)': endpoints.sqs,
    'aws-ses-v2-local': endpoints.ses,
    gateway: router.url,
  });

  it.each(['DynamoDB Local', 'fauxqs (SQS and S3)', 'aws-ses-v2-local', 'gateway'] as const)(
    'serves %s on 127.0.0.1 and refuses it on 127.0.0.2',
    async (name) => {
      const port = Number(new URL(servers()[name]).port);

      expect(await accepts('127.0.0.1', port)).toBe(true);
      expect(await accepts('127.0.0.2', port)).toBe(false);
      const addresses = listeningAddresses(port);
      if (addresses) {
        expect(addresses.length).toBeGreaterThan(0);
        expect(addresses.filter((address) => !LOOPBACK_ADDRESSES.has(address))).toEqual([]);
      }
    },
  );
});
