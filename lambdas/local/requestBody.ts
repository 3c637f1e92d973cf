import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';

/** The body, or a 400 when the client's bytes could not be read (a broken chunked encoding, a reset). */
export async function readBody(c: Context): Promise<Uint8Array> {
  try {
    return new Uint8Array(await c.req.arrayBuffer());
  } catch (error) {
    throw new HTTPException(400, {
      res: Response.json(
        { error: 'unreadable_body', message: 'the request body could not be read' },
        { status: 400 },
      ),
      cause: error,
    });
  }
}
