import { useState } from 'preact/hooks';
import { describeError } from '../api.js';
import { type Case, CaseEnvelopeSchema, QueueListSchema } from '../apiTypes.js';
import { useConsole } from '../context.js';
import { useFocusHeading, useNow, usePolling } from '../hooks.js';
import { html } from '../html.js';
import { t } from '../strings.js';
import { allPages, CaseTable, Countdown, LEASE_WARNING_MS } from './CaseTable.js';

/** Supervisors: every claim on every queue; reassign or release any of them (merge is on the case). */
export function Supervisor() {
  const { api, config, me, notify } = useConsole();
  const [claims, setClaims] = useState<Case[] | undefined>(undefined);
  const [failure, setFailure] = useState<string | undefined>(undefined);
  const [targets, setTargets] = useState<Record<string, string>>({});
  const heading = useFocusHeading();
  const now = useNow();

  async function load() {
    if (me.role !== 'supervisor') return;
    try {
      const { data } = await api.get('/queues', QueueListSchema);
      // One listing per queue: the API lists claims by state and queue (an index per queue, never a scan).
      const perQueue = await Promise.all(
        data.queues.map((queue) =>
          allPages(api, new URLSearchParams({ state: 'claimed', queue: queue.queue })),
        ),
      );
      setClaims(
        perQueue.flat().sort((a, b) => (a.leaseExpiresAt ?? '').localeCompare(b.leaseExpiresAt ?? '')),
      );
      setFailure(undefined);
    } catch (error) {
      setFailure(describeError(error));
    }
  }
  usePolling(load, Math.max(config.refreshSeconds, 10) * 1_000, api);

  async function act(kase: Case, action: 'reassign' | 'release') {
    const to = (targets[kase.caseId] ?? '').trim();
    if (action === 'reassign' && !to) return;
    try {
      await api.post(
        `/cases/${encodeURIComponent(kase.caseId)}/${action}`,
        action === 'reassign' ? { to } : {},
        CaseEnvelopeSchema,
        { ifMatch: `"v${kase.version}"` },
      );
      notify(
        action === 'reassign'
          ? t('reassigned', { reference: kase.reference, name: to })
          : t('released', { reference: kase.reference }),
      );
    } catch (error) {
      notify(describeError(error), 'error');
    }
    await load();
  }

  if (me.role !== 'supervisor') {
    return html`<section>
      <h1 tabindex="-1" ref=${heading}>${t('supervisorTitle')}</h1>
      <p role="alert">${t('supervisorOnly')}</p>
    </section>`;
  }
  return html`
    <section aria-labelledby="supervisor-title">
      <h1 id="supervisor-title" tabindex="-1" ref=${heading}>${t('supervisorTitle')}</h1>
      <h2>${t('allClaims')}</h2>
      ${failure && html`<p class="banner banner-error" role="alert">${failure}</p>`}
      <${CaseTable}
        cases=${claims}
        empty=${t('allClaimsEmpty')}
        columns=${[
          { header: t('colQueue'), cell: (kase: Case) => kase.queue },
          { header: t('colAssignee'), cell: (kase: Case) => kase.assignee },
          {
            header: t('colLease'),
            cell: (kase: Case) =>
              kase.leaseExpiresAt &&
              html`<${Countdown} at=${kase.leaseExpiresAt} now=${now} warnWithinMs=${LEASE_WARNING_MS} />`,
          },
        ]}
        actions=${(kase: Case) => {
          const inputId = `reassign-${kase.caseId}`;
          return html`<div class="supervisor-actions">
            <label class="visually-hidden" for=${inputId}>${t('reassignTo')}</label>
            <input
              id=${inputId}
              type="text"
              size="10"
              placeholder=${t('reassignToLabel')}
              value=${targets[kase.caseId] ?? ''}
              onInput=${(event: Event) =>
                setTargets({ ...targets, [kase.caseId]: (event.currentTarget as HTMLInputElement).value })}
            />
            <button type="button" data-action="reassign" onClick=${() => act(kase, 'reassign')}>${t('reassign')}</button>
            <button type="button" data-action="release" onClick=${() => act(kase, 'release')}>${t('release')}</button>
          </div>`;
        }}
      />
    </section>
  `;
}
