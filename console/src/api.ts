import type * as z from 'zod/mini';
import { type Problem, ProblemSchema } from './apiTypes.js';
import { t } from './strings.js';

/** The API refused the request: the RFC 9457 problem it answered with. */
export class ApiProblemError extends Error {
  override readonly name = 'ApiProblemError';
  constructor(
    readonly status: number,
    readonly problem: Problem,
  ) {
    super(problem.detail ?? problem.title ?? `HTTP ${status}`);
  }

  /** The problem's `type` without its URN prefix (`precondition-failed`). */
  get kind(): string {
    return (this.problem.type ?? '').replace('urn:contact-router:problem:', '');
  }
}

/** The server could not be reached, or answered something that is not the API's. */
export class ApiUnavailableError extends Error {
  override readonly name = 'ApiUnavailableError';
}

export interface ApiResult<T> {
  data: T;
  /** The case version as an ETag (`"v7"`), for If-Match on the next action. */
  etag: string | undefined;
}

export interface ApiClientOptions {
  /** The bearer token of the signed-in staff member, or undefined when signed out. */
  token: () => string | undefined;
  /** Called on 401: the token expired or was revoked. */
  onUnauthenticated: () => void;
  /** Base of the API; the console and the API share an origin, so this is '' in both deployments. */
  base?: string;
}

/**
 * The staff API as the console calls it: bearer token, JSON in, zod-checked JSON out, problem
 * details as {@link ApiProblemError}. It also keeps the difference between the server's clock
 * and the browser's (from `Date` headers), so countdowns match the server's idea of "now".
 */
export class ApiClient {
  private serverOffsetMs = 0;
  private readonly base: string;

  constructor(private readonly options: ApiClientOptions) {
    this.base = options.base ?? '';
  }

  /** Now, on the server's clock (to the second). */
  now(): number {
    return Date.now() + this.serverOffsetMs;
  }

  get<T>(path: string, schema: z.ZodMiniType<T>): Promise<ApiResult<T>> {
    return this.request(path, { method: 'GET' }, schema);
  }

  /** An image the API serves (a fax page) as a Blob, with the same token and error handling. */
  async image(path: string): Promise<Blob> {
    const token = this.options.token();
    if (!token) throw new ApiProblemError(401, { status: 401, title: t('signedOut') });
    const headers = new Headers({ accept: 'image/png' });
    headers.set('authorization', `Bearer ${token}`);
    let response: Response;
    try {
      response = await fetch(`${this.base}${path}`, { headers });
    } catch (error) {
      throw new ApiUnavailableError(t('networkError'), { cause: error });
    }
    if (!response.ok) {
      if (response.status === 401) this.options.onUnauthenticated();
      throw new ApiProblemError(response.status, {
        status: response.status,
        title: `HTTP ${response.status}`,
      });
    }
    return response.blob();
  }

  post<T>(
    path: string,
    body: unknown,
    schema: z.ZodMiniType<T>,
    options: { ifMatch?: string | undefined } = {},
  ): Promise<ApiResult<T>> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (options.ifMatch) headers['if-match'] = options.ifMatch;
    return this.request(path, { method: 'POST', headers, body: JSON.stringify(body ?? {}) }, schema);
  }

  private async request<T>(path: string, init: RequestInit, schema: z.ZodMiniType<T>): Promise<ApiResult<T>> {
    const token = this.options.token();
    // Signed out (or signing out): nothing to ask the API, which would only answer 401.
    if (!token) throw new ApiProblemError(401, { status: 401, title: t('signedOut') });
    const headers = new Headers(init.headers);
    headers.set('accept', 'application/json, application/problem+json');
    headers.set('authorization', `Bearer ${token}`);
    let response: Response;
    const sentAt = Date.now();
    try {
      response = await fetch(`${this.base}${path}`, { ...init, headers, cache: 'no-store' });
    } catch (error) {
      throw new ApiUnavailableError(t('networkError'), { cause: error });
    }
    this.learnServerTime(response, sentAt);
    const body: unknown = await response.json().catch(() => undefined);
    if (!response.ok) {
      if (response.status === 401) this.options.onUnauthenticated();
      const problem = ProblemSchema.safeParse(body);
      throw new ApiProblemError(
        response.status,
        problem.success ? problem.data : { status: response.status, title: `HTTP ${response.status}` },
      );
    }
    const parsed = schema.safeParse(body);
    if (!parsed.success) {
      throw new ApiUnavailableError(`${t('unexpectedAnswer')} (${path})`, { cause: parsed.error });
    }
    return { data: parsed.data, etag: response.headers.get('etag') ?? undefined };
  }

  private learnServerTime(response: Response, sentAt: number) {
    const date = Date.parse(response.headers.get('date') ?? '');
    if (Number.isNaN(date)) return;
    const roundTrip = Date.now() - sentAt;
    // The Date header is truncated to the second: take its middle, and the middle of the round trip.
    this.serverOffsetMs = date + 500 - (sentAt + roundTrip / 2);
    if (Math.abs(this.serverOffsetMs) < 1_500) this.serverOffsetMs = 0;
  }
}

/** A sentence for a person: the problem's title and detail, or what went wrong. */
export function describeError(error: unknown): string {
  if (error instanceof ApiProblemError) {
    const { title, detail } = error.problem;
    if (title && detail) return t('problem', { title, detail });
    return title ?? detail ?? error.message;
  }
  if (error instanceof Error) return error.message;
  return String(error);
}
