import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';

function answer(status: 400 | 413, error: string, message: string, cause?: unknown): HTTPException {
  return new HTTPException(status, {
    res: Response.json({ error, message }, { status }),
    ...(cause ? { cause } : {}),
  });
}

/**
 * The request body, at most `maxBytes`: a declared or streamed size above it is answered 413
 * (reading stops there), and bytes that cannot be read (a broken chunked encoding, a reset) 400.
 * (Hono's `bodyLimit` re-wraps the request in a new `Request`, which fails on the Node adapter's
 * request objects for bodiless DELETE and OPTIONS requests; this reads the stream itself.)
 */
export async function readBody(c: Context, maxBytes: number, what = 'a request body'): Promise<Uint8Array> {
  const tooLarge = () =>
    answer(413, 'payload_too_large', `${what} is at most ${maxBytes} bytes; this one is larger`);
  const declared = Number(c.req.header('content-length') ?? Number.NaN);
  if (declared > maxBytes) throw tooLarge();
  const stream = c.req.raw.body;
  if (!stream) return new Uint8Array(0);
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > maxBytes) {
        await reader.cancel().catch(() => undefined);
        throw tooLarge();
      }
      chunks.push(value);
    }
  } catch (error) {
    if (error instanceof HTTPException) throw error;
    throw answer(400, 'unreadable_body', 'the request body could not be read', error);
  }
  return Buffer.concat(chunks);
}
