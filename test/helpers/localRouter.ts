import { randomUUID } from 'node:crypto';
import { inject } from 'vitest';
import type { Case, CaseView, QueueSummary } from '../../lambdas/domain/cases/caseRecord.js';
import { type DevTokenOptions, mintDevToken } from '../../lambdas/local/devTokens.js';
import { type LocalRouterOptions, startLocalRouter } from '../../lambdas/local/localRouter.js';

/** A local router on the shared emulators, with resources of its own (a fresh prefix). */
export async function startTestRouter(options: Partial<LocalRouterOptions> = {}) {
  const endpoints = inject('endpoints');
  const prefix = options.prefix ?? `t${randomUUID().slice(0, 8)}`;
  const router = await startLocalRouter({ endpoints, ...options, prefix });
  const tokens = new Map<string, string>();
  /** Signs a staff member in with a role and language skills (by default: an agent who reads English only). */
  async function signIn(staffId: string, options: DevTokenOptions) {
    tokens.set(staffId, await mintDevToken(staffId, process.env, options));
  }
  async function staffFetch(staffId: string, path: string, init: RequestInit = {}) {
    if (!tokens.has(staffId)) tokens.set(staffId, await mintDevToken(staffId));
    return fetch(`${router.url}${path}`, {
      ...init,
      headers: { ...(init.headers ?? {}), authorization: `Bearer ${tokens.get(staffId)}` },
    });
  }
  async function postEmail(raw: string | Uint8Array) {
    return fetch(`${router.url}/inbound/email`, { method: 'POST', body: raw });
  }
  // Test-side views of the API's JSON (the API's own schemas are checked by the handler tests).
  async function queues(staffId = 'alice'): Promise<QueueSummary[]> {
    return ((await (await staffFetch(staffId, '/queues')).json()) as { queues: QueueSummary[] }).queues;
  }
  async function claim(staffId: string, queue: string): Promise<Case | null> {
    const response = await staffFetch(staffId, `/queues/${queue}/claim`, { method: 'POST' });
    return ((await response.json()) as { case: Case | null }).case;
  }
  async function viewCase(staffId: string, caseId: string): Promise<CaseView> {
    return (await (await staffFetch(staffId, `/cases/${caseId}`)).json()) as CaseView;
  }
  return { ...router, prefix, endpoints, signIn, staffFetch, postEmail, queues, claim, viewCase };
}
