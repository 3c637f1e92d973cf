import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { MediaFetcher } from '../../domain/fax/faxProvider.js';

export interface HttpMediaFetcherOptions {
  /** Larger documents are refused (a 60-page fax at fine resolution is a few MB). */
  maxBytes?: number;
  timeoutMs?: number;
  /** Local mode and tests fetch from a loopback server over plain HTTP; in AWS only HTTPS is allowed. */
  allowLoopbackHttp?: boolean;
  /** The addresses a host name resolves to (default: the system resolver, as fetch itself uses). */
  resolve?: (hostname: string) => Promise<string[]>;
}

const systemResolve = async (hostname: string) =>
  (await lookup(hostname, { all: true, verbatim: true })).map((entry) => entry.address);

/** Redirects followed at most (S3 and CDNs use one or two). */
export const MEDIA_MAX_REDIRECTS = 5;

/** An IP literal in a private, loopback, link-local or unique-local range (instance metadata included). */
function isInternalAddress(hostname: string): boolean {
  const host = hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  const v4 = /^(\d{1,3})\.(\d{1,3})\.\d{1,3}\.\d{1,3}$/.exec(host);
  if (v4) {
    const [first, second] = [Number(v4[1]), Number(v4[2])];
    return (
      first === 0 ||
      first === 10 ||
      first === 127 ||
      (first === 169 && second === 254) ||
      (first === 172 && second >= 16 && second <= 31) ||
      (first === 192 && second === 168) ||
      (first === 100 && second >= 64 && second <= 127)
    );
  }
  if (!host.includes(':')) return host === 'localhost' || host.endsWith('.localhost');
  return (
    host === '::' ||
    host === '::1' ||
    /^f[cd]/.test(host) ||
    /^fe[89ab]/.test(host) ||
    host.startsWith('::ffff:')
  );
}

function isRedirect(response: Response): boolean {
  return response.status >= 300 && response.status < 400 && response.headers.has('location');
}

/**
 * Downloads a fax document from the provider's pre-signed URL with a size cap and a timeout.
 * Redirects are followed by hand, each hop checked like the first: the signed webhook vouches
 * for its URL, not for where that URL sends us (a redirect to plain HTTP or to an internal
 * address such as the instance metadata service is refused).
 */
export class HttpMediaFetcher implements MediaFetcher {
  readonly #maxBytes: number;
  readonly #timeoutMs: number;
  readonly #allowLoopbackHttp: boolean;
  readonly #resolve: (hostname: string) => Promise<string[]>;

  constructor(options: HttpMediaFetcherOptions = {}) {
    this.#maxBytes = options.maxBytes ?? 40 * 1024 * 1024;
    this.#timeoutMs = options.timeoutMs ?? 20_000;
    this.#allowLoopbackHttp = options.allowLoopbackHttp ?? false;
    this.#resolve = options.resolve ?? systemResolve;
  }

  async #check(url: URL): Promise<void> {
    const loopback = url.hostname === '127.0.0.1' || url.hostname === 'localhost' || url.hostname === '[::1]';
    if (this.#allowLoopbackHttp && loopback && (url.protocol === 'http:' || url.protocol === 'https:'))
      return;
    if (url.protocol !== 'https:') {
      throw new Error(`refusing to download from ${url.protocol}//${url.hostname}: HTTPS only`);
    }
    if (isInternalAddress(url.hostname)) {
      throw new Error(`refusing to download from ${url.hostname}: an internal address`);
    }
    // A name is checked by what it resolves to: a redirect to a host whose DNS answers 169.254.169.254
    // or 10.x is the same request as one to the address. (fetch resolves again when it connects, so
    // a name whose answers change between the two lookups is not stopped here.)
    if (isIP(url.hostname.replace(/^\[(.*)\]$/, '$1')) === 0) {
      const internal = (await this.#resolve(url.hostname)).find((address) => isInternalAddress(address));
      if (internal !== undefined) {
        throw new Error(`refusing to download from ${url.hostname}: it resolves to an internal address`);
      }
    }
  }

  async #request(url: URL, signal: AbortSignal): Promise<Response> {
    await this.#check(url);
    return fetch(url, { signal, redirect: 'manual' });
  }

  async fetch(url: string): Promise<Uint8Array> {
    const signal = AbortSignal.timeout(this.#timeoutMs);
    let target = new URL(url);
    let response = await this.#request(target, signal);
    for (let hops = 1; isRedirect(response); hops++) {
      await response.body?.cancel();
      if (hops > MEDIA_MAX_REDIRECTS) {
        throw new Error(`the media URL redirected more than ${MEDIA_MAX_REDIRECTS} times`);
      }
      target = new URL(response.headers.get('location') ?? '', target);
      response = await this.#request(target, signal);
    }
    if (!response.ok) throw new Error(`the media URL answered ${response.status}`);
    const declared = Number(response.headers.get('content-length') ?? Number.NaN);
    if (declared > this.#maxBytes)
      throw new Error(`the document is ${declared} bytes; the limit is ${this.#maxBytes}`);
    const reader = response.body?.getReader();
    if (!reader) throw new Error('the media URL returned no body');
    const chunks: Uint8Array[] = [];
    let size = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.length;
      if (size > this.#maxBytes) {
        await reader.cancel();
        throw new Error(`the document exceeds ${this.#maxBytes} bytes`);
      }
      chunks.push(value);
    }
    return Buffer.concat(chunks);
  }
}
