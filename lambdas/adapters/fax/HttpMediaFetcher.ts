import { lookup } from 'node:dns/promises';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import type { MediaFetcher } from '../../domain/fax/faxProvider.js';

export interface HttpMediaFetcherOptions {
  /** Larger documents are refused (a 60-page fax at fine resolution is a few MB). */
  maxBytes?: number;
  timeoutMs?: number;
  /** Local mode and tests fetch from a loopback server over plain HTTP (loopback addresses only); in AWS only HTTPS, never loopback. */
  allowLoopbackHttp?: boolean;
  /** The addresses a host name resolves to (default: the system resolver); the connection goes to one of them. */
  resolve?: (hostname: string) => Promise<string[]>;
}

const systemResolve = async (hostname: string) =>
  (await lookup(hostname, { all: true, verbatim: true })).map((entry) => entry.address);

/** Redirects followed at most (S3 and CDNs use one or two). */
export const MEDIA_MAX_REDIRECTS = 5;

/** A loopback address (127.0.0.0/8, ::1, or IPv4-mapped 127.x). */
function isLoopbackAddress(address: string): boolean {
  const host = address.toLowerCase().replace(/^::ffff:/, '');
  return /^127\./.test(host) || host === '::1';
}

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

/** What one hop answered: the status, the redirect target, and the body (left unread on a redirect). */
interface Hop {
  status: number;
  location?: string;
  contentLength?: number;
  body: IncomingMessage;
}

/**
 * Downloads a fax document from the provider's pre-signed URL with a size cap and a timeout.
 * Redirects are followed by hand, each hop checked like the first: the signed webhook vouches
 * for its URL, not for where that URL sends us (a redirect to plain HTTP or to an internal
 * address such as the instance metadata service is refused). A host name is checked by what it
 * resolves to, in the lookup the connection itself makes: the request goes to exactly the address
 * checked, so a name whose DNS answers change between a check and the connection (DNS rebinding)
 * cannot reach an internal address either.
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

  /** Whether a connection to `address` is allowed: never an internal one, loopback only for local mode. */
  #allowedAddress(address: string): boolean {
    if (this.#allowLoopbackHttp && isLoopbackAddress(address)) return true;
    return !isInternalAddress(address);
  }

  #check(url: URL): void {
    const literal = url.hostname.replace(/^\[(.*)\]$/, '$1');
    const isLiteral = isIP(literal) !== 0;
    const loopbackName = literal === 'localhost' || literal.endsWith('.localhost');
    // Plain HTTP only to a loopback server in local mode (the connection's lookup checks the address).
    const loopbackHttp =
      this.#allowLoopbackHttp &&
      url.protocol === 'http:' &&
      (loopbackName || (isLiteral && isLoopbackAddress(literal)));
    if (url.protocol !== 'https:' && !loopbackHttp) {
      throw new Error(`refusing to download from ${url.protocol}//${url.hostname}: HTTPS only`);
    }
    // An address literal is connected to without a lookup: it is checked here.
    if ((isLiteral && !this.#allowedAddress(literal)) || (loopbackName && !this.#allowLoopbackHttp)) {
      throw new Error(`refusing to download from ${url.hostname}: an internal address`);
    }
  }

  /** The connection's own lookup: resolves, refuses an internal answer, and connects to what it checked. */
  #lookup(url: URL): LookupFunction {
    return (hostname, options, callback) => {
      this.#resolve(hostname).then(
        (addresses) => {
          const refused = addresses.find((address) => !this.#allowedAddress(address));
          const plainToPublic =
            url.protocol === 'http:' && addresses.some((address) => !isLoopbackAddress(address));
          if (refused !== undefined || addresses.length === 0 || plainToPublic) {
            const why =
              addresses.length === 0
                ? 'it resolves to no address'
                : refused !== undefined
                  ? 'it resolves to an internal address'
                  : 'plain HTTP is for loopback only';
            callback(new Error(`refusing to download from ${hostname}: ${why}`), '', 4);
            return;
          }
          const entries = addresses.map((address) => ({ address, family: isIP(address) }));
          if (options.all) callback(null, entries);
          else callback(null, entries[0]?.address ?? '', entries[0]?.family ?? 4);
        },
        (error: Error) => callback(error, '', 4),
      );
    };
  }

  #request(url: URL, signal: AbortSignal): Promise<Hop> {
    this.#check(url);
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const request = send(
        url,
        {
          method: 'GET',
          signal,
          lookup: this.#lookup(url),
          // A connection of its own each time: a pooled socket would skip the lookup that checks it.
          agent: false,
        },
        (response) => {
          const location = response.headers.location;
          const declared = Number(response.headers['content-length'] ?? Number.NaN);
          resolve({
            status: response.statusCode ?? 0,
            ...(location ? { location } : {}),
            ...(Number.isFinite(declared) ? { contentLength: declared } : {}),
            body: response,
          });
        },
      );
      request.on('error', reject);
      request.end();
    });
  }

  async fetch(url: string): Promise<Uint8Array> {
    const signal = AbortSignal.timeout(this.#timeoutMs);
    let target = new URL(url);
    let hop = await this.#request(target, signal);
    for (let hops = 1; hop.status >= 300 && hop.status < 400 && hop.location !== undefined; hops++) {
      hop.body.destroy();
      if (hops > MEDIA_MAX_REDIRECTS) {
        throw new Error(`the media URL redirected more than ${MEDIA_MAX_REDIRECTS} times`);
      }
      target = new URL(hop.location, target);
      hop = await this.#request(target, signal);
    }
    if (hop.status < 200 || hop.status >= 300) {
      hop.body.destroy();
      throw new Error(`the media URL answered ${hop.status}`);
    }
    if (hop.contentLength !== undefined && hop.contentLength > this.#maxBytes) {
      hop.body.destroy();
      throw new Error(`the document is ${hop.contentLength} bytes; the limit is ${this.#maxBytes}`);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of hop.body) {
      const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
      size += bytes.length;
      if (size > this.#maxBytes) {
        hop.body.destroy();
        throw new Error(`the document exceeds ${this.#maxBytes} bytes`);
      }
      chunks.push(bytes);
    }
    return Buffer.concat(chunks);
  }
}
