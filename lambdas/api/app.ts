import { OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { HTTPException } from 'hono/http-exception';
import type { Case } from '../domain/cases/caseRecord.js';
import type { StaffMember } from '../domain/cases/staffMember.js';
import { errorForLog } from '../domain/errorForLog.js';
import { faxPageImageKey } from '../domain/fax/ocr.js';
import { deliverNow } from '../domain/outbound/deliverOutbox.js';
import { templateCatalog } from '../domain/outbound/templates.js';
import { InvalidCursorError } from '../domain/ports.js';
import { type Authenticate, sessionOf, staffFromClaims } from './auth.js';
import {
  type ActionOutcome,
  actOnCase,
  boundedCaseView,
  type CaseActionRequest,
  caseIdFromReference,
  claimNextCase,
  isKnownQueue,
  listCases,
  listQueues,
  redactCase,
  replyToCase,
  type StaffApiServices,
  viewCase,
} from './caseRules.js';
import { cameThroughConsoleEdge, ORIGIN_TOKEN_HEADER } from './originToken.js';
import {
  type InvalidParam,
  invalidParams,
  ProblemError,
  type ProblemKind,
  problemResponse,
  validationDetail,
} from './problems.js';
import { accessOf, routes, type StaffApiVariables } from './routes.js';
import { SIGNED_OUT_MEMORY_MS } from './signedOutSessions.js';

export type { StaffApiServices } from './caseRules.js';

/** Logs carry ids, routes and outcomes only: never a message body, a subject or an address (PHI). */
export type StaffApiLog = (
  level: 'info' | 'warn' | 'error',
  message: string,
  detail: Record<string, unknown>,
) => void;

export interface StaffAppOptions {
  services: StaffApiServices;
  /** The verified token's claims for a request (AWS: API Gateway's JWT authorizer; local: dev tokens). */
  authenticate: Authenticate;
  log?: StaffApiLog;
  /** Largest JSON body accepted (413 above). */
  maxBodyBytes?: number;
  /**
   * The token the console's CloudFront distribution adds to each request it forwards
   * ({@link ORIGIN_TOKEN_HEADER}); when given, a request without it is refused (403) before anything
   * else: it reached API Gateway's own address, past the distribution's web ACL and country list.
   */
  originToken?: string;
}

type Env = { Variables: StaffApiVariables };

const LOCATION: Record<string, InvalidParam['in']> = {
  json: 'body',
  form: 'body',
  query: 'query',
  param: 'path',
  header: 'header',
  cookie: 'header',
};

/** The ETag of a case: its version. Strong, because two representations of one version are byte-equal. */
export function etagOf(kase: Case): string {
  return `"v${kase.version}"`;
}

type IfMatch = { any: true } | { version: number } | { invalid: string } | undefined;

/** RFC 9110 §13.1.1 If-Match: `*`, or the entity tag this API hands out (`"v7"`; `W/` is tolerated). */
function parseIfMatch(header: string | undefined): IfMatch {
  if (header === undefined || header.trim() === '') return undefined;
  const value = header.trim();
  if (value === '*') return { any: true };
  // Entity tags compare as strings (RFC 9110 §8.8.3.2): "v07" is not the tag "v7" we handed out.
  const match = /^(?:W\/)?"v([1-9]\d{0,14})"$/.exec(value);
  if (!match?.[1]) return { invalid: 'expected "*" or one entity tag such as "v7", as sent in ETag' };
  return { version: Number(match[1]) };
}

/**
 * The staff API as one Hono app, for any runtime: AWS mounts it with `hono/aws-lambda`, local mode
 * on its Node gateway. Every route, its schemas and who may call it come from `routes.ts`.
 */
export function createStaffApp(options: StaffAppOptions): OpenAPIHono<Env> {
  const { services, authenticate } = options;
  const log: StaffApiLog = options.log ?? (() => {});

  const app = new OpenAPIHono<Env>({
    defaultHook: (result, c) => {
      if (result.success) return;
      const params = invalidParams(LOCATION[result.target] ?? 'body', result.error.issues);
      return problemResponse('validation', validationDetail(params), {
        instance: c.req.path,
        errors: params,
      });
    },
  });

  app.onError((error, c) => {
    if (error instanceof ProblemError) return error.getResponse();
    if (error instanceof InvalidCursorError) {
      // A cursor the list did not hand out (garbage, or altered): the caller's request is wrong.
      const invalid = { in: 'query' as const, field: 'cursor', pointer: '/cursor', detail: error.message };
      return problemResponse('validation', validationDetail([invalid]), {
        instance: c.req.path,
        errors: [invalid],
      });
    }
    if (error instanceof HTTPException) {
      const kind: ProblemKind =
        error.status === 415
          ? 'unsupported_media_type'
          : error.status === 413
            ? 'payload_too_large'
            : error.status === 400
              ? 'malformed_json'
              : 'internal';
      if (kind !== 'internal') {
        const detail =
          kind === 'malformed_json'
            ? 'the body could not be parsed as JSON; send a JSON object with Content-Type: application/json'
            : kind === 'unsupported_media_type'
              ? `send the body as application/json (got ${c.req.header('content-type') ?? 'no Content-Type'})`
              : error.message;
        return problemResponse(kind, detail, { instance: c.req.path });
      }
    }
    log('error', 'staff request failed', {
      method: c.req.method,
      route: c.req.routePath,
      error: errorForLog(error),
    });
    return problemResponse(
      'internal',
      'the request failed on our side; nothing was changed unless the case history shows it',
      {
        instance: c.req.path,
      },
    );
  });

  app.notFound((c) =>
    problemResponse(
      'route_not_found',
      `${c.req.method} ${c.req.path} is not a staff API route (see GET /openapi.json)`,
      {
        instance: c.req.path,
      },
    ),
  );

  const { originToken } = options;
  if (originToken) {
    app.use('*', async (c, next) => {
      if (
        !cameThroughConsoleEdge({ [ORIGIN_TOKEN_HEADER]: c.req.header(ORIGIN_TOKEN_HEADER) }, originToken)
      ) {
        throw new ProblemError(
          'not_through_console_edge',
          "the staff API answers requests that come through the staff console's address (its CloudFront distribution, web ACL and country list), not on its API Gateway address",
          { instance: c.req.path },
        );
      }
      await next();
    });
  }

  // A path that is not valid percent-encoding names no resource: say so, before anything reads it.
  app.use('*', async (c, next) => {
    try {
      decodeURIComponent(new URL(c.req.url).pathname);
    } catch {
      throw new ProblemError(
        'malformed_path',
        'the path contains a "%" that is not followed by two hexadecimal digits of valid UTF-8 (write "%25" for a literal "%")',
      );
    }
    await next();
  });

  app.use(
    '*',
    bodyLimit({
      maxSize: options.maxBodyBytes ?? 256 * 1024,
      onError: (c) =>
        problemResponse('payload_too_large', `the body exceeds ${options.maxBodyBytes ?? 256 * 1024} bytes`, {
          instance: c.req.path,
        }),
    }),
  );

  const publicPaths = new Set<string>(
    Object.values(routes)
      .filter((route) => accessOf(route) === 'public')
      .map((route) => route.path),
  );
  app.use('*', async (c, next) => {
    if (publicPaths.has(c.req.path)) {
      await next();
      return;
    }
    const claims = await authenticate(c);
    const who = staffFromClaims(claims);
    if (who.outcome === 'unauthenticated') {
      throw new ProblemError('unauthenticated', who.reason, {
        instance: c.req.path,
        headers: { 'www-authenticate': 'Bearer realm="contact-router-staff"' },
      });
    }
    if (who.outcome === 'no_role') {
      throw new ProblemError(
        'no_staff_role',
        'the token names no staff role: the user must be in the Cognito group "agent" or "supervisor"',
        { instance: c.req.path },
      );
    }
    const session = sessionOf(claims);
    if (session && (await services.signedOutSessions?.isSignedOut(session.id))) {
      throw new ProblemError('unauthenticated', 'this session was signed out: sign in again', {
        instance: c.req.path,
        headers: { 'www-authenticate': 'Bearer realm="contact-router-staff", error="invalid_token"' },
      });
    }
    c.set('staff', who.staff);
    if (session) c.set('session', session);
    await next();
  });

  app.openAPIRegistry.registerComponent('securitySchemes', 'bearerAuth', {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description:
      'A Cognito access token (AWS) or a dev token (`npx contact-router token --staff alice --role agent --skills es`); role and skills come from `cognito:groups`.',
  });

  const withEtag = (c: Context, kase: Case) => c.header('ETag', etagOf(kase));

  /** A case rule's refusal as a problem; every refusal leaves the case as it was. */
  function outcomeProblem(
    c: Context,
    outcome: Exclude<ActionOutcome, { outcome: 'done' }>,
    caseId: string,
    conditional: boolean,
  ): ProblemError {
    const instance = c.req.path;
    switch (outcome.outcome) {
      case 'not_found':
        return new ProblemError('case_not_found', `no case ${outcome.caseId ?? caseId}`, { instance });
      case 'unknown_queue':
        return new ProblemError('queue_not_found', `no queue named "${outcome.queue}"`, { instance });
      case 'forbidden':
        return new ProblemError('not_holder', outcome.reason, { instance });
      case 'invalid_state':
        return new ProblemError('invalid_state', outcome.reason, {
          instance,
          case: redactCase(outcome.case),
          headers: { etag: etagOf(outcome.case) },
        });
      case 'conflict':
        return conditional
          ? new ProblemError(
              'precondition_failed',
              `If-Match named another version; the case is at ${etagOf(outcome.case)} now: read it again and retry`,
              { instance, case: redactCase(outcome.case), headers: { etag: etagOf(outcome.case) } },
            )
          : new ProblemError(
              'conflict',
              'the case changed while this action was being made; read it again and retry',
              {
                instance,
                case: redactCase(outcome.case),
                headers: { etag: etagOf(outcome.case) },
              },
            );
    }
  }

  function ifMatchOf(c: Context): { ifVersion?: number } {
    const ifMatch = parseIfMatch(c.req.header('if-match'));
    if (ifMatch && 'invalid' in ifMatch) {
      const errors = invalidParams('header', [{ path: ['if-match'], message: ifMatch.invalid }]);
      throw new ProblemError('validation', validationDetail(errors), { instance: c.req.path, errors });
    }
    return ifMatch && 'version' in ifMatch ? { ifVersion: ifMatch.version } : {};
  }

  /** Runs a case action: the case after it (with its ETag set), or a thrown problem. */
  async function act(c: Context<Env>, caseId: string, request: CaseActionRequest): Promise<Case> {
    const condition = ifMatchOf(c);
    const staff = c.get('staff');
    const outcome = await actOnCase(request, caseId, staff, services, condition);
    log('info', 'case action', {
      staffId: staff.id,
      action: request.action,
      caseId,
      outcome: outcome.outcome,
    });
    if (outcome.outcome !== 'done')
      throw outcomeProblem(c, outcome, caseId, condition.ifVersion !== undefined);
    withEtag(c, outcome.case);
    return redactCase(outcome.case);
  }

  const describedApp = app
    .openapi(routes.openapi, (c) =>
      c.json(
        app.getOpenAPI31Document({
          openapi: '3.1.0',
          info: {
            title: 'contact-router staff API',
            version: '1.0.0',
            description:
              'Queues, claim-next and every case action for the member-support desk. Errors are RFC 9457 problem details (application/problem+json). Case responses carry an ETag (the case version); actions honour If-Match and answer 412 with the current case when it changed.',
          },
          security: [{ bearerAuth: [] }],
        }),
        200,
      ),
    )
    .openapi(routes.me, (c) => {
      const staff: StaffMember = c.get('staff');
      return c.json({ id: staff.id, role: staff.role, languages: staff.languages }, 200);
    })
    .openapi(routes.signOut, async (c) => {
      const session = c.get('session');
      if (!session) {
        throw new ProblemError(
          'validation',
          'the token names no session (neither origin_jti nor jti), so there is nothing to sign out of',
          { instance: c.req.path },
        );
      }
      if (!services.signedOutSessions) {
        throw new ProblemError('sign_out_unavailable', 'sign-out is not configured for this API', {
          instance: c.req.path,
        });
      }
      // Remembered until every token of the session has expired, and never less than a refresh token lives.
      const now = services.clock.now().getTime();
      const until = Math.max(now + SIGNED_OUT_MEMORY_MS, (session.expiresAt ?? 0) * 1000);
      await services.signedOutSessions.signOut(session.id, new Date(until));
      log('info', 'signed out', { staffId: c.get('staff').id });
      return c.body(null, 204);
    })
    .openapi(routes.templates, (c) => c.json(templateCatalog(c.req.valid('query').language), 200))
    .openapi(routes.listQueues, async (c) => c.json({ queues: await listQueues(services) }, 200))
    .openapi(routes.claim, async (c) => {
      const { queue } = c.req.valid('param');
      const staff = c.get('staff');
      const outcome = await claimNextCase(queue, staff, services);
      log('info', 'claim', {
        staffId: staff.id,
        queue,
        outcome: outcome.outcome,
        ...(outcome.outcome === 'claimed' ? { caseId: outcome.case.caseId } : {}),
      });
      if (outcome.outcome === 'unknown_queue') {
        throw new ProblemError('queue_not_found', `no queue named "${outcome.queue}"`, {
          instance: c.req.path,
        });
      }
      if (outcome.outcome === 'empty') return c.json({ case: null }, 200);
      withEtag(c, outcome.case);
      return c.json({ case: redactCase(outcome.case) }, 200);
    })
    .openapi(routes.listCases, async (c) => {
      const query = c.req.valid('query');
      const staff = c.get('staff');
      const page = { limit: query.limit, ...(query.cursor ? { cursor: query.cursor } : {}) };
      if (query.assignee !== undefined) {
        const assignee = query.assignee === 'me' ? staff.id : query.assignee;
        if (assignee !== staff.id && staff.role !== 'supervisor') {
          throw new ProblemError(
            'forbidden',
            "agents list their own claims (assignee=me); supervisors list anyone's",
            {
              instance: c.req.path,
            },
          );
        }
        return c.json(await listCases({ assignee }, page, services), 200);
      }
      const { queue, state } = query;
      if (queue === undefined || state === undefined) {
        // The query schema refuses this; kept so the types need no assertion.
        throw new ProblemError('validation', 'give assignee=me, or state and queue', {
          instance: c.req.path,
        });
      }
      if (!isKnownQueue(queue, services)) {
        throw new ProblemError('queue_not_found', `no queue named "${queue}"`, { instance: c.req.path });
      }
      return c.json(await listCases({ queue, state }, page, services), 200);
    })
    .openapi(routes.byReference, async (c) => {
      const { reference } = c.req.valid('param');
      const caseId = caseIdFromReference(reference.toUpperCase());
      const view = caseId ? await viewCase(caseId, services) : undefined;
      if (!view)
        throw new ProblemError('case_not_found', `no case with reference ${reference}`, {
          instance: c.req.path,
        });
      withEtag(c, view.case);
      return c.json(boundedCaseView(view), 200);
    })
    .openapi(routes.faxPage, async (c) => {
      const { caseId, message, page } = c.req.valid('param');
      const view = await viewCase(caseId, services);
      if (!view) throw new ProblemError('case_not_found', `no case ${caseId}`, { instance: c.req.path });
      const fax = view.messages[message]?.fax;
      const image =
        fax?.pageImages?.includes(page) && services.faxPages
          ? await services.faxPages.get(faxPageImageKey(fax.documentKey, page))
          : undefined;
      if (!image)
        throw new ProblemError(
          'page_not_found',
          `message ${message} of ${caseId} has no image of page ${page}`,
          {
            instance: c.req.path,
          },
        );
      return c.body(new Uint8Array(image), 200, {
        'content-type': 'image/png',
        // PHI: never written to a cache, the browser's own (on disk) included; the console keeps the
        // image in memory (a blob: URL) for as long as the case is open.
        'cache-control': 'no-store',
      });
    })
    .openapi(routes.viewCase, async (c) => {
      const { caseId } = c.req.valid('param');
      const view = await viewCase(caseId, services);
      if (!view) throw new ProblemError('case_not_found', `no case ${caseId}`, { instance: c.req.path });
      withEtag(c, view.case);
      return c.json(boundedCaseView(view), 200);
    })
    .openapi(routes.viewMessage, async (c) => {
      const { caseId, message } = c.req.valid('param');
      const view = await viewCase(caseId, services);
      if (!view) throw new ProblemError('case_not_found', `no case ${caseId}`, { instance: c.req.path });
      const shown = view.messages[message];
      if (!shown)
        throw new ProblemError('message_not_found', `${caseId} has no message ${message}`, {
          instance: c.req.path,
        });
      return c.json({ message: shown }, 200);
    })
    .openapi(routes.reply, async (c) => {
      const { caseId } = c.req.valid('param');
      const condition = ifMatchOf(c);
      const staff = c.get('staff');
      const { desk } = services;
      if (!desk) {
        throw new ProblemError(
          'replies_unavailable',
          'the desk address (DESK_FROM) is not configured, so nothing can be sent',
          {
            instance: c.req.path,
          },
        );
      }
      const outcome = await replyToCase(
        c.req.valid('json'),
        caseId,
        staff,
        { ...services, desk, sendsAtOnce: services.mailer !== undefined },
        condition,
      );
      log('info', 'case action', { staffId: staff.id, action: 'reply', caseId, outcome: outcome.outcome });
      if (outcome.outcome !== 'done')
        throw outcomeProblem(c, outcome, caseId, condition.ifVersion !== undefined);
      const delivered = services.mailer
        ? await deliverNow([outcome.entry], {
            caseStore: services.caseStore,
            mailer: services.mailer,
            clock: services.clock,
            log,
          })
        : {};
      withEtag(c, outcome.case);
      return c.json(
        {
          case: redactCase(outcome.case),
          message: {
            messageId: outcome.message.messageId ?? outcome.message.externalId,
            delivery: delivered[outcome.entry.entryId] === 'sent' ? ('sent' as const) : ('queued' as const),
          },
        },
        200,
      );
    })
    .openapi(routes.note, (c) =>
      act(c, c.req.valid('param').caseId, { action: 'note', ...c.req.valid('json') }).then((kase) =>
        c.json({ case: kase }, 200),
      ),
    )
    .openapi(routes.pend, (c) =>
      act(c, c.req.valid('param').caseId, { action: 'pend', ...c.req.valid('json') }).then((kase) =>
        c.json({ case: kase }, 200),
      ),
    )
    .openapi(routes.transfer, (c) =>
      act(c, c.req.valid('param').caseId, { action: 'transfer', ...c.req.valid('json') }).then((kase) =>
        c.json({ case: kase }, 200),
      ),
    )
    .openapi(routes.release, (c) =>
      act(c, c.req.valid('param').caseId, { action: 'release', ...c.req.valid('json') }).then((kase) =>
        c.json({ case: kase }, 200),
      ),
    )
    .openapi(routes.resolve, (c) =>
      act(c, c.req.valid('param').caseId, { action: 'resolve', ...c.req.valid('json') }).then((kase) =>
        c.json({ case: kase }, 200),
      ),
    )
    .openapi(routes.reopen, (c) =>
      act(c, c.req.valid('param').caseId, { action: 'reopen', ...c.req.valid('json') }).then((kase) =>
        c.json({ case: kase }, 200),
      ),
    )
    .openapi(routes.merge, (c) =>
      act(c, c.req.valid('param').caseId, { action: 'merge', ...c.req.valid('json') }).then((kase) =>
        c.json({ case: kase }, 200),
      ),
    )
    .openapi(routes.reassign, (c) =>
      act(c, c.req.valid('param').caseId, { action: 'reassign', ...c.req.valid('json') }).then((kase) =>
        c.json({ case: kase }, 200),
      ),
    )
    .openapi(routes.reclassify, (c) =>
      act(c, c.req.valid('param').caseId, { action: 'reclassify', ...c.req.valid('json') }).then((kase) =>
        c.json({ case: kase }, 200),
      ),
    )
    .openapi(routes.renew, (c) =>
      act(c, c.req.valid('param').caseId, { action: 'renew' }).then((kase) => c.json({ case: kase }, 200)),
    );

  return describedApp;
}
