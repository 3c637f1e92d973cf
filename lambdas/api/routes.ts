import { createRoute, type RouteConfig, z } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import type { StaffMember } from '../domain/cases/staffMember.js';
import type { TokenSession } from './auth.js';
import { ProblemError, problemResponses } from './problems.js';
import {
  CaseEnvelopeSchema,
  CaseIdSchema,
  CaseListQuerySchema,
  CasePageSchema,
  CaseReferenceSchema,
  CaseViewSchema,
  ClaimResultSchema,
  IfMatchHeaderSchema,
  MergeBodySchema,
  MeSchema,
  MessageEnvelopeSchema,
  NoteBodySchema,
  PendBodySchema,
  QueueListSchema,
  QueueNameSchema,
  ReassignBodySchema,
  ReclassifyBodySchema,
  ReleaseBodySchema,
  RenewBodySchema,
  ReopenBodySchema,
  ReplyBodySchema,
  ResolveBodySchema,
  TemplateListSchema,
  TemplateQuerySchema,
  TransferBodySchema,
} from './schemas.js';

/**
 * The staff API, declared once: path, method, who may call it, request and response schemas.
 * The same declarations serve the Hono app (AWS Lambda and local mode), the OpenAPI document and
 * the API Gateway routes in `lib/constructs/StaffApi.ts` (see {@link staffRouteKeys}).
 */

/** `public`: no token (the API description). `staff`: any agent or supervisor. `supervisor`: supervisors only. */
export type Access = 'public' | 'staff' | 'supervisor';

export interface StaffApiVariables {
  staff: StaffMember;
  /** The sign-in the token belongs to, where it names one (Cognito always does). */
  session?: TokenSession;
}

/** Route-level gate for supervisor routes: runs after authentication, before the body is read. */
const supervisorsOnly: MiddlewareHandler<{ Variables: StaffApiVariables }> = async (c, next) => {
  if (c.get('staff').role !== 'supervisor') {
    throw new ProblemError(
      'forbidden',
      `${c.req.method} ${c.req.path} is for supervisors; you are signed in as an agent`,
      {
        instance: c.req.path,
      },
    );
  }
  await next();
};

const json = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});

const ETAG = {
  ETag: {
    description: 'The case version (`"v7"`): send it back in If-Match',
    schema: { type: 'string' as const },
  },
};

const jsonBody = <T extends z.ZodType>(schema: T, required: boolean) => ({
  required,
  content: { 'application/json': { schema } },
});

const caseParams = z.object({ caseId: CaseIdSchema });
/** A message's index in the whole case (from 0). Plain decimal only: 0x1, 1e0, +1 and 1.0 are refused rather than read as 1. */
const MessageIndexSchema = z
  .string()
  .regex(/^(0|[1-9]\d{0,4})$/, 'a message index: 0, 1, 2, …')
  .transform(Number);

/** A case action route: `POST /cases/{caseId}/<action>` with If-Match and the case back. */
function caseAction<T extends z.ZodType>(
  action: string,
  body: T,
  options: { summary: string; description: string; bodyRequired: boolean; access: 'staff' | 'supervisor' },
) {
  return createRoute({
    method: 'post',
    path: `/cases/{caseId}/${action}`,
    operationId: `${action}Case`,
    tags: ['Case actions'],
    summary: options.summary,
    description: options.description,
    'x-access': options.access,
    ...(options.access === 'supervisor' ? { middleware: [supervisorsOnly] as const } : {}),
    request: { params: caseParams, headers: IfMatchHeaderSchema, body: jsonBody(body, options.bodyRequired) },
    responses: {
      200: { ...json(CaseEnvelopeSchema, 'The case after the action'), headers: ETAG },
      ...problemResponses(400, 401, 403, 404, 409, 412, 413, 415),
    },
  });
}

export const routes = {
  openapi: createRoute({
    method: 'get',
    path: '/openapi.json',
    operationId: 'openApiDocument',
    tags: ['Meta'],
    summary: 'This document (OpenAPI 3.1)',
    'x-access': 'public',
    responses: { 200: { description: 'The OpenAPI 3.1 document of the staff API' } },
  }),
  me: createRoute({
    method: 'get',
    path: '/me',
    operationId: 'whoAmI',
    tags: ['Meta'],
    summary: 'The signed-in staff member: id, role, language skills',
    'x-access': 'staff',
    responses: { 200: json(MeSchema, 'Who the token names'), ...problemResponses(401, 403) },
  }),
  signOut: createRoute({
    method: 'post',
    path: '/session/sign-out',
    operationId: 'signOut',
    tags: ['Meta'],
    summary: 'Ends the session the token belongs to: its tokens are refused from now on',
    description:
      "API Gateway's JWT authorizer checks a token's signature and expiry only; this makes sign-out hold for tokens already issued (every token of the sign-in, refreshed or not, by Cognito's `origin_jti`). The console calls it when staff sign out. Idempotent.",
    'x-access': 'staff',
    responses: { 204: { description: 'Signed out' }, ...problemResponses(400, 401, 403) },
  }),
  templates: createRoute({
    method: 'get',
    path: '/templates',
    operationId: 'listTemplates',
    tags: ['Meta'],
    summary: 'Reply and acknowledgement templates, per language',
    description:
      'The wording the desk sends members (acknowledgement parts, reply greeting, closing and footer) in every language, or in one (`?language=es`). `{reference}` is filled with the case reference.',
    'x-access': 'staff',
    request: { query: TemplateQuerySchema },
    responses: { 200: json(TemplateListSchema, 'Templates by language'), ...problemResponses(400, 401, 403) },
  }),
  listQueues: createRoute({
    method: 'get',
    path: '/queues',
    operationId: 'listQueues',
    tags: ['Queues'],
    summary: 'Every queue: depth, oldest, at-risk and breached counts',
    'x-access': 'staff',
    responses: { 200: json(QueueListSchema, 'The queues'), ...problemResponses(401, 403) },
  }),
  claim: createRoute({
    method: 'post',
    path: '/queues/{queue}/claim',
    operationId: 'claimNext',
    tags: ['Queues'],
    summary: 'Claim the next case of a queue for yourself',
    description:
      'Atomically gives the best case for you (a language you read first, relaxing with time) to you alone, under a lease. `{"case": null}` when nothing waits.',
    'x-access': 'staff',
    request: { params: z.object({ queue: QueueNameSchema }) },
    responses: {
      200: { ...json(ClaimResultSchema, 'The claimed case, or null'), headers: ETAG },
      ...problemResponses(401, 403, 404),
    },
  }),
  listCases: createRoute({
    method: 'get',
    path: '/cases',
    operationId: 'listCases',
    tags: ['Cases'],
    summary: 'Cases by assignee (`assignee=me`), or by state and queue; paged',
    description:
      'Read from an index, never a scan. Agents list their own claims and any queue; supervisors may name any assignee.',
    'x-access': 'staff',
    request: { query: CaseListQuerySchema },
    responses: { 200: json(CasePageSchema, 'One page of cases'), ...problemResponses(400, 401, 403, 404) },
  }),
  byReference: createRoute({
    method: 'get',
    path: '/cases/by-reference/{reference}',
    operationId: 'viewCaseByReference',
    tags: ['Cases'],
    summary: 'A case by the reference members quote (CR-…)',
    'x-access': 'staff',
    request: { params: z.object({ reference: CaseReferenceSchema }) },
    responses: {
      200: { ...json(CaseViewSchema, 'The case, its messages and its history'), headers: ETAG },
      ...problemResponses(400, 401, 403, 404),
    },
  }),
  faxPage: createRoute({
    method: 'get',
    path: '/cases/{caseId}/messages/{message}/fax-pages/{page}',
    operationId: 'viewFaxPage',
    tags: ['Cases'],
    summary: 'One page of a faxed message as a PNG image (the page itself, beside what OCR read)',
    description:
      "`message` is the message's index in the case (from 0; the view's `messagesOmitted` plus its place in the view), `page` the page number (from 1). 404 when the message is no fax or the page has no image.",
    'x-access': 'staff',
    request: {
      params: z.object({
        caseId: CaseIdSchema,
        message: MessageIndexSchema,
        page: z
          .string()
          .regex(/^[1-9]\d{0,2}$/, 'a page number: 1, 2, …')
          .transform(Number)
          .refine((page) => page <= 100, 'at most page 100'),
      }),
    },
    responses: {
      200: {
        description: 'The page as a 1-bit PNG',
        content: { 'image/png': { schema: z.string().openapi({ type: 'string', format: 'binary' }) } },
      },
      ...problemResponses(400, 401, 403, 404),
    },
  }),
  viewMessage: createRoute({
    method: 'get',
    path: '/cases/{caseId}/messages/{message}',
    operationId: 'viewMessage',
    tags: ['Cases'],
    summary: 'One message of a case, whole (redacted): one the case view cut or left out',
    description:
      "`message` is the message's index in the case (from 0): the view's `messagesOmitted` plus its place in the view.",
    'x-access': 'staff',
    request: { params: z.object({ caseId: CaseIdSchema, message: MessageIndexSchema }) },
    responses: {
      200: json(MessageEnvelopeSchema, 'The message'),
      ...problemResponses(400, 401, 403, 404),
    },
  }),
  viewCase: createRoute({
    method: 'get',
    path: '/cases/{caseId}',
    operationId: 'viewCase',
    tags: ['Cases'],
    summary: 'A case, its messages (inbound and outbound, redacted) and its history',
    'x-access': 'staff',
    request: { params: caseParams },
    responses: {
      200: { ...json(CaseViewSchema, 'The case, its messages and its history'), headers: ETAG },
      ...problemResponses(400, 401, 403, 404),
    },
  }),
  reply: createRoute({
    method: 'post',
    path: '/cases/{caseId}/reply',
    operationId: 'replyCase',
    tags: ['Case actions'],
    summary: 'Reply to the member by e-mail (holder only)',
    description:
      "Sends the text from the desk's address, threaded on the member's last message, with the case reference in the subject and a footer in the case's language. Stops the first-response clock (next-response on later replies). The reply and its outbox entry are written together; the mail leaves right after, or from the outbox if SES is down. A reply to a case pending with its holder takes it back: claimed, with a fresh lease and its paused clocks running.",
    'x-access': 'staff',
    request: { params: caseParams, headers: IfMatchHeaderSchema, body: jsonBody(ReplyBodySchema, true) },
    responses: {
      200: {
        ...json(
          z
            .object({
              case: CaseEnvelopeSchema.shape.case,
              message: z.object({
                messageId: z.string(),
                delivery: z.enum(['sent', 'queued']).openapi({
                  description: '`queued`: SES did not take it yet; the outbox retries it',
                }),
              }),
            })
            .openapi('ReplyResult'),
          'The case after the reply, and the delivery state',
        ),
        headers: ETAG,
      },
      ...problemResponses(400, 401, 403, 404, 409, 412, 413, 415),
    },
  }),
  note: caseAction('note', NoteBodySchema, {
    summary: 'Add an internal note (never sent to the member)',
    description:
      'Anyone on staff may note an unclaimed or resolved case; a claimed or pending case is noted by its holder or a supervisor. The note joins the history.',
    bodyRequired: true,
    access: 'staff',
  }),
  pend: caseAction('pend', PendBodySchema, {
    summary: 'Wait on the member (holder): business clocks pause',
    description: "The member's next message wakes the case back into its queue.",
    bodyRequired: false,
    access: 'staff',
  }),
  transfer: caseAction('transfer', TransferBodySchema, {
    summary: 'Move the case to another declared queue, with a reason (clocks keep running)',
    description: 'The holder (or a supervisor) sends the case to the named queue, where it waits unclaimed.',
    bodyRequired: true,
    access: 'staff',
  }),
  release: caseAction('release', ReleaseBodySchema, {
    summary: 'Give the claim back: the case returns to its queue in its place',
    description:
      'The holder, or a supervisor for anyone’s claim. A pending case can be released too: its paused business clocks run again.',
    bodyRequired: false,
    access: 'staff',
  }),
  resolve: caseAction('resolve', ResolveBodySchema, {
    summary: 'Resolve the case (holder): every clock stops',
    description: 'Clocks that stop count as met or missed.',
    bodyRequired: false,
    access: 'staff',
  }),
  reopen: caseAction('reopen', ReopenBodySchema, {
    summary: 'Reopen a resolved case within the policy window, with a reason',
    description: 'After the window, a member message opens a new case linked to the old one.',
    bodyRequired: true,
    access: 'staff',
  }),
  merge: caseAction('merge', MergeBodySchema, {
    summary: 'Merge this duplicate into a surviving case (supervisors)',
    description: "Both histories are kept; the duplicate's references forward to the survivor.",
    bodyRequired: true,
    access: 'supervisor',
  }),
  reassign: caseAction('reassign', ReassignBodySchema, {
    summary: 'Hand the claim to another staff member (supervisors)',
    description: 'The new holder gets a fresh lease.',
    bodyRequired: true,
    access: 'supervisor',
  }),
  reclassify: caseAction('reclassify', ReclassifyBodySchema, {
    summary: 'Correct the topic (and expedited flag) triage read; the policy re-routes, Part D clocks start',
    description:
      "The holder (or a supervisor) names the topic. The policy's rule for it decides queue and priority, as for a message triaged so (a new queue puts the case back in line there). When that rule is a Part D request (coverage determination, redetermination, grievance), its clock starts from the case's earliest receipt, or tightens to the expedited limit; a running Part D clock is never stopped or lengthened. A running clock of another kind (triage read an appeal as a complaint) takes the named kind when that ends sooner; 409 when it would end later, or when the case's Part D request is finished.",
    bodyRequired: true,
    access: 'staff',
  }),
  renew: caseAction('renew', RenewBodySchema, {
    summary: "Extend the holder's lease",
    description: 'Keeps the case from returning to its queue while the holder works on it.',
    bodyRequired: false,
    access: 'staff',
  }),
} as const;

/** Who may call each declared route (the API Gateway authorizer covers every route in AWS regardless). */
export function accessOf(route: RouteConfig): Access {
  const access = (route as RouteConfig & { 'x-access'?: Access })['x-access'];
  return access ?? 'staff';
}

/** `[path, METHOD]` for every declared route, paths in API Gateway's `{param}` form. */
export function staffRouteKeys(): { path: string; method: 'GET' | 'POST' }[] {
  const METHODS = { get: 'GET', post: 'POST' } as const;
  return Object.values(routes).map((route) => ({ path: route.path, method: METHODS[route.method] }));
}
