import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpMediaFetcher, MEDIA_MAX_REDIRECTS } from '../../../lambdas/adapters/fax/HttpMediaFetcher.js';

/** A media server on loopback: `/doc` is the document, `/to?url=…` redirects there, `/loop/n` redirects n more times. */
describe('HttpMediaFetcher', () => {
  let server: Server;
  let base = '';
  const requested: string[] = [];

  beforeAll(async () => {
    server = createServer((request, response) => {
      const url = new URL(request.url ?? '/', 'http://127.0.0.1');
      requested.push(url.pathname);
      if (url.pathname === '/doc') {
        response.end('%PDF-1.4 fax');
        return;
      }
      if (url.pathname === '/to') {
        response.writeHead(302, { location: url.searchParams.get('url') ?? '/doc' }).end();
        return;
      }
      const remaining = Number(url.pathname.split('/')[2] ?? 0);
      response.writeHead(301, { location: remaining > 0 ? `/loop/${remaining - 1}` : '/doc' }).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const fetcher = new HttpMediaFetcher({ allowLoopbackHttp: true, timeoutMs: 5_000 });

  it('follows a redirect to the document, checking each hop', async () => {
    const bytes = await fetcher.fetch(`${base}/loop/2`);

    expect(Buffer.from(bytes).toString()).toBe('%PDF-1.4 fax');
  });

  it.each([
    ['plain HTTP on another host', 'http://media.example/doc', /HTTPS only/],
    ['the instance metadata service', 'http://169.254.169.254/latest/meta-data/', /HTTPS only/],
    ['an internal address over HTTPS', 'https://10.0.0.5/doc', /internal address/],
    ['a link-local IPv6 address', 'https://[fe80::1]/doc', /internal address/],
  ])('refuses a redirect to %s', async (_, location, reason) => {
    await expect(fetcher.fetch(`${base}/to?url=${encodeURIComponent(location)}`)).rejects.toThrow(reason);
  });

  describe('a host name that resolves to an internal address', () => {
    /** A resolver that answers the instance metadata address for `metadata.example`, a public one otherwise. */
    const resolve = async (hostname: string) =>
      hostname === 'metadata.example' ? ['203.0.113.7', '169.254.169.254'] : ['203.0.113.7'];

    it('is refused before any request', async () => {
      const inAws = new HttpMediaFetcher({ resolve, timeoutMs: 5_000 });

      await expect(inAws.fetch('https://metadata.example/latest/meta-data/')).rejects.toThrow(
        /metadata\.example: it resolves to an internal address/,
      );
    });

    it('is refused as a redirect target', async () => {
      const local = new HttpMediaFetcher({ allowLoopbackHttp: true, resolve, timeoutMs: 5_000 });
      const location = 'https://metadata.example/latest/meta-data/iam/security-credentials/';

      await expect(local.fetch(`${base}/to?url=${encodeURIComponent(location)}`)).rejects.toThrow(
        /resolves to an internal address/,
      );
    });
  });

  describe('the connection goes to the address its own lookup checked (no second lookup to rebind)', () => {
    const port = () => new URL(base).port;

    it('connects to the address the resolver answered, once per hop', async () => {
      const asked: string[] = [];
      const local = new HttpMediaFetcher({
        allowLoopbackHttp: true,
        timeoutMs: 5_000,
        resolve: async (hostname) => {
          asked.push(hostname);
          return ['127.0.0.1'];
        },
      });

      const bytes = await local.fetch(`http://media.localhost:${port()}/doc`);

      expect(Buffer.from(bytes).toString()).toBe('%PDF-1.4 fax');
      expect(asked).toEqual(['media.localhost']);
    });

    it('refuses at connect time a name whose answer is internal, whatever it answered before', async () => {
      let calls = 0;
      const rebinding = new HttpMediaFetcher({
        allowLoopbackHttp: true,
        timeoutMs: 5_000,
        resolve: async () => (++calls === 1 ? ['127.0.0.1'] : ['169.254.169.254']),
      });
      await rebinding.fetch(`http://media.localhost:${port()}/doc`);

      await expect(rebinding.fetch(`http://media.localhost:${port()}/doc`)).rejects.toThrow(
        /media\.localhost: it resolves to an internal address/,
      );
    });

    it('refuses plain HTTP to a loopback name that resolves to a public address', async () => {
      const local = new HttpMediaFetcher({
        allowLoopbackHttp: true,
        timeoutMs: 5_000,
        resolve: async () => ['203.0.113.7'],
      });

      await expect(local.fetch(`http://media.localhost:${port()}/doc`)).rejects.toThrow(
        /plain HTTP is for loopback only/,
      );
    });
  });

  it(`gives up after ${MEDIA_MAX_REDIRECTS} redirects`, async () => {
    await expect(fetcher.fetch(`${base}/loop/${MEDIA_MAX_REDIRECTS + 1}`)).rejects.toThrow(
      /redirected more than/,
    );
  });

  it('refuses plain HTTP and internal addresses in AWS, before any request', async () => {
    const inAws = new HttpMediaFetcher();
    const before = requested.length;

    await expect(inAws.fetch(`${base}/doc`)).rejects.toThrow(/HTTPS only/);
    await expect(inAws.fetch('https://127.0.0.1/doc')).rejects.toThrow(/internal address/);
    expect(requested.length).toBe(before);
  });
});
