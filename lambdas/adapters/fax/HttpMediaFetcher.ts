import type { MediaFetcher } from '../../domain/fax/faxProvider.js';

export interface HttpMediaFetcherOptions {
  /** Larger documents are refused (a 60-page fax at fine resolution is a few MB). */
  maxBytes?: number;
  timeoutMs?: number;
  /** Local mode and tests fetch from a loopback server over plain HTTP; in AWS only HTTPS is allowed. */
  allowLoopbackHttp?: boolean;
}

/** Downloads a fax document from the provider's pre-signed URL with a size cap and a timeout. */
export class HttpMediaFetcher implements MediaFetcher {
  readonly #maxBytes: number;
  readonly #timeoutMs: number;
  readonly #allowLoopbackHttp: boolean;

  constructor(options: HttpMediaFetcherOptions = {}) {
    this.#maxBytes = options.maxBytes ?? 40 * 1024 * 1024;
    this.#timeoutMs = options.timeoutMs ?? 20_000;
    this.#allowLoopbackHttp = options.allowLoopbackHttp ?? false;
  }

  async fetch(url: string): Promise<Uint8Array> {
    const parsed = new URL(url);
    const loopback =
      parsed.hostname === '127.0.0.1' || parsed.hostname === 'localhost' || parsed.hostname === '[::1]';
    if (
      parsed.protocol !== 'https:' &&
      !(this.#allowLoopbackHttp && loopback && parsed.protocol === 'http:')
    ) {
      throw new Error(`refusing to download from ${parsed.protocol}//${parsed.hostname}: HTTPS only`);
    }
    const response = await fetch(parsed, {
      signal: AbortSignal.timeout(this.#timeoutMs),
      redirect: 'follow',
    });
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
