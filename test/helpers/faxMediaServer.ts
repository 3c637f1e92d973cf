import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fixture } from './fixtures.js';

/** Serves one faxed document as a provider's pre-signed media URL does (loopback only), counting downloads. */
export async function serveFaxMedia(
  fixturePath: string,
  contentType: string,
): Promise<{ url: string; downloads: () => number; close: () => Promise<void> }> {
  const document = fixture(fixturePath);
  let downloads = 0;
  const server = createServer((_request, response) => {
    downloads++;
    response.writeHead(200, { 'content-type': contentType, 'content-length': String(document.length) });
    response.end(document);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    downloads: () => downloads,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
