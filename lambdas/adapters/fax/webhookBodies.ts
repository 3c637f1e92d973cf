import type { WebhookRequest } from '../../domain/webhookRequest.js';

/** JSON text as providers send it: a UTF-8 byte-order mark is tolerated (Phaxio's samples carry one). */
export function parseJson(bytes: Uint8Array | string): unknown {
  const text = typeof bytes === 'string' ? bytes : new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  return JSON.parse(text.replace(/^\uFEFF/, ''));
}

export interface FormBody {
  fields: Map<string, string>;
  files: Map<string, { bytes: Uint8Array; filename: string; contentType: string }>;
}

/** Reads a multipart/form-data or urlencoded body with the platform's own parser (undici's FormData). */
export async function parseForm(request: WebhookRequest): Promise<FormBody | undefined> {
  const contentType = request.headers['content-type'] ?? '';
  if (!/^multipart\/form-data|^application\/x-www-form-urlencoded/i.test(contentType)) return undefined;
  let form: FormData;
  try {
    form = await new Response(request.body, { headers: { 'content-type': contentType } }).formData();
  } catch {
    return undefined;
  }
  const body: FormBody = { fields: new Map(), files: new Map() };
  for (const [name, value] of form.entries()) {
    if (typeof value === 'string') body.fields.set(name, value);
    else
      body.files.set(name, {
        bytes: new Uint8Array(await value.arrayBuffer()),
        filename: value.name,
        contentType: value.type,
      });
  }
  return body;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
