import { connect } from 'node:net';

export interface RawAnswer {
  /** The status code of the first response, or undefined when the server closed without one. */
  status: number | undefined;
  /** Everything the server sent. */
  text: string;
}

/**
 * Writes bytes to a server exactly as given (no client library normalizing the request line or
 * headers) and reads until the server closes or `timeoutMs` passes. For hostile-input tests.
 */
export function sendRaw(port: number, request: string | Uint8Array, timeoutMs = 3_000): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const finish = () => {
      clearTimeout(timer);
      const text = Buffer.concat(chunks).toString('latin1');
      const status = /^HTTP\/1\.[01] (\d{3})/.exec(text)?.[1];
      resolve({ status: status ? Number(status) : undefined, text });
    };
    const timer = setTimeout(() => socket.destroy(), timeoutMs);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('close', finish);
    socket.on('error', (error: NodeJS.ErrnoException) => {
      // A server may reset a connection it has already answered; the answer is what counts.
      if (error.code !== 'ECONNRESET' && error.code !== 'EPIPE') {
        clearTimeout(timer);
        reject(error);
      }
    });
    // No half-close after the request: Node's HTTP server takes a client's FIN as an abort (as nginx
    // does, its 499) and drops an answer that is still being worked out. Requests here say
    // `Connection: close`, or are malformed, so the server closes once it has answered.
    socket.write(request);
  });
}

/** An HTTP/1.1 request with `Connection: close`, written by hand. */
export function rawRequest(requestLine: string, headers: string[] = ['Host: 127.0.0.1'], body = ''): string {
  return `${requestLine}\r\n${[...headers, 'Connection: close'].join('\r\n')}\r\n\r\n${body}`;
}

/**
 * A body in HTTP/1.1 chunked transfer coding (RFC 9112 §7.1): each piece a chunk, then the last
 * chunk. Sizes count UTF-8 bytes, as `sendRaw` writes strings.
 */
export function chunkedBody(pieces: readonly string[]): string {
  return `${pieces
    .filter((piece) => piece.length > 0)
    .map((piece) => `${Buffer.byteLength(piece).toString(16)}\r\n${piece}\r\n`)
    .join('')}0\r\n\r\n`;
}
