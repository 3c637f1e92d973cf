import { z } from '@hono/zod-openapi';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

/**
 * Errors as RFC 9457 problem details (`application/problem+json`). Every `type` is a URN of this
 * API (RFC 9457 §3.1.1 allows a non-resolvable URI); clients switch on `type`, people read
 * `title` and `detail`.
 */
export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export const PROBLEM_TYPES = {
  validation: { status: 400, title: 'The request is not valid' },
  malformed_path: { status: 400, title: 'The request path is not valid percent-encoding' },
  malformed_json: { status: 400, title: 'The request body is not valid JSON' },
  unauthenticated: { status: 401, title: 'A valid staff bearer token is required' },
  forbidden: { status: 403, title: 'You may not do this' },
  not_holder: { status: 403, title: 'Only the staff member holding the claim may do this' },
  no_staff_role: { status: 403, title: 'The token carries no staff role' },
  not_through_console_edge: { status: 403, title: 'Use the staff console address' },
  case_not_found: { status: 404, title: 'No such case' },
  queue_not_found: { status: 404, title: 'No such queue' },
  page_not_found: { status: 404, title: 'No such fax page image' },
  message_not_found: { status: 404, title: 'No such message on the case' },
  route_not_found: { status: 404, title: 'No such route' },
  method_not_allowed: { status: 405, title: 'The route does not accept this method' },
  invalid_state: { status: 409, title: 'The case is not in a state that allows this' },
  conflict: { status: 409, title: 'The case changed meanwhile' },
  precondition_failed: { status: 412, title: 'The case is no longer at the version in If-Match' },
  payload_too_large: { status: 413, title: 'The request body is too large' },
  unsupported_media_type: { status: 415, title: 'The request body must be application/json' },
  internal: { status: 500, title: 'The request failed' },
  replies_unavailable: { status: 503, title: 'Replies to members are not configured' },
  sign_out_unavailable: { status: 503, title: 'Sign-out is not configured' },
} as const satisfies Record<string, { status: ContentfulStatusCode; title: string }>;
export type ProblemKind = keyof typeof PROBLEM_TYPES;

export function problemTypeUri(kind: ProblemKind): string {
  return `urn:contact-router:problem:${kind.replaceAll('_', '-')}`;
}

/** One invalid field: where it was (`body`, `query`, `path`, `header`), its JSON Pointer and what is wrong. */
export const InvalidParamSchema = z
  .object({
    in: z.enum(['body', 'query', 'path', 'header']),
    /** The field's name, dotted for nested fields (`to`, `items.0.text`). Empty for the body as a whole. */
    field: z.string(),
    /** RFC 6901 JSON Pointer into the part named by `in`. */
    pointer: z.string(),
    detail: z.string(),
  })
  .openapi('InvalidParam');
export type InvalidParam = z.infer<typeof InvalidParamSchema>;

export const ProblemSchema = z
  .object({
    type: z.string().openapi({ example: problemTypeUri('not_holder') }),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    /** The request path the problem is about. */
    instance: z.string().optional(),
    /** Validation problems: every invalid field. */
    errors: z.array(InvalidParamSchema).optional(),
    /** Conflicts and failed preconditions: the case as it is now, so a client can show it and retry. */
    case: z.unknown().optional(),
  })
  .openapi('Problem');
export type Problem = z.infer<typeof ProblemSchema>;

export function problemBody(
  kind: ProblemKind,
  detail: string,
  extra: { instance?: string; errors?: InvalidParam[]; case?: unknown } = {},
): Problem {
  const { status, title } = PROBLEM_TYPES[kind];
  return { type: problemTypeUri(kind), title, status, detail, ...extra };
}

/** What a problem may carry besides its type and detail, and the response headers to send with it. */
export interface ProblemExtras {
  instance?: string;
  errors?: InvalidParam[];
  case?: unknown;
  headers?: Record<string, string>;
}

export function problemResponse(kind: ProblemKind, detail: string, extra: ProblemExtras = {}): Response {
  const { headers, ...rest } = extra;
  const body = problemBody(kind, detail, rest);
  return new Response(JSON.stringify(body), {
    status: body.status,
    headers: { 'content-type': PROBLEM_CONTENT_TYPE, ...headers },
  });
}

/**
 * A problem to answer with, thrown from a route handler (the handlers' typed responses are the
 * successes; the app's error handler answers every thrown problem).
 */
export class ProblemError extends HTTPException {
  constructor(kind: ProblemKind, detail: string, extra: ProblemExtras = {}) {
    super(PROBLEM_TYPES[kind].status, { res: problemResponse(kind, detail, extra) });
    this.name = 'ProblemError';
  }
}

function pointerOf(path: readonly PropertyKey[]): string {
  return path.map((segment) => `/${String(segment).replaceAll('~', '~0').replaceAll('/', '~1')}`).join('');
}

/** The fields a zod error names, as problem `errors`. */
export function invalidParams(
  location: InvalidParam['in'],
  issues: readonly { path: readonly PropertyKey[]; message: string }[],
): InvalidParam[] {
  return issues.map((issue) => ({
    in: location,
    field: issue.path.map(String).join('.'),
    pointer: pointerOf(issue.path),
    detail: issue.message,
  }));
}

/** A `detail` sentence that names the invalid fields, so a person reading only `detail` knows what to fix. */
export function validationDetail(params: readonly InvalidParam[]): string {
  const named = params.map((param) =>
    param.field ? `${param.in} field "${param.field}": ${param.detail}` : `${param.in}: ${param.detail}`,
  );
  return `${params.length === 1 ? 'one field is' : `${params.length} fields are`} invalid — ${named.join('; ')}`;
}

/** Response entries for the OpenAPI document: every error a route can answer, as problem details. */
export function problemResponses(...statuses: number[]) {
  const descriptions: Record<number, string> = {
    400: 'Malformed request: the problem names each invalid field',
    401: 'Missing, forged or expired token',
    403: 'Not allowed for this staff member (role, or not the holder of the claim)',
    404: 'Unknown case or queue',
    409: 'Illegal in the current state, or changed meanwhile; `case` carries the current case',
    412: 'If-Match names an older version of the case; `case` carries the current case',
    413: 'Body too large',
    415: 'Body is not JSON',
  };
  return Object.fromEntries(
    statuses.map((status) => [
      status,
      {
        description: descriptions[status] ?? 'Problem',
        content: { [PROBLEM_CONTENT_TYPE]: { schema: ProblemSchema } },
      },
    ]),
  );
}
