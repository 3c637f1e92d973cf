import { useState } from 'preact/hooks';
import { describeError } from '../api.js';
import { type Case, CaseEnvelopeSchema } from '../apiTypes.js';
import { useConsole } from '../context.js';
import { useFocusHeading, useNow, usePolling } from '../hooks.js';
import { html } from '../html.js';
import { label, t } from '../strings.js';
import { allPages, CaseTable, Countdown, LEASE_WARNING_MS } from './CaseTable.js';

/** The cases I hold: lease time left, the next due time, renew. */
export function MyWork() {
  const { api, config, notify } = useConsole();
  const [cases, setCases] = useState<Case[] | undefined>(undefined);
  const [failure, setFailure] = useState<string | undefined>(undefined);
  const heading = useFocusHeading();
  const now = useNow();

  async function load() {
    try {
      setCases(await allPages(api, new URLSearchParams({ assignee: 'me' })));
      setFailure(undefined);
    } catch (error) {
      setFailure(describeError(error));
    }
  }
  usePolling(load, config.refreshSeconds * 1_000, api);

  async function renew(kase: Case) {
    try {
      await api.post(`/cases/${encodeURIComponent(kase.caseId)}/renew`, {}, CaseEnvelopeSchema, {
        ifMatch: `"v${kase.version}"`,
      });
      notify(t('renewed', { reference: kase.reference }));
    } catch (error) {
      notify(describeError(error), 'error');
    }
    await load();
  }

  return html`
    <section aria-labelledby="mine-title">
      <h1 id="mine-title" tabindex="-1" ref=${heading}>${t('myWorkTitle')}</h1>
      ${failure && html`<p class="banner banner-error" role="alert">${failure}</p>`}
      <${CaseTable}
        cases=${cases}
        empty=${t('myWorkEmpty')}
        columns=${[
          { header: t('colQueue'), cell: (kase: Case) => kase.queue },
          { header: t('colState'), cell: (kase: Case) => label('state', kase.state) },
          {
            header: t('colLease'),
            cell: (kase: Case) =>
              kase.leaseExpiresAt
                ? html`<${Countdown} at=${kase.leaseExpiresAt} now=${now} warnWithinMs=${LEASE_WARNING_MS} testId="lease" />`
                : t('none'),
          },
          {
            header: t('colFirstDue'),
            cell: (kase: Case) => html`<${Countdown} at=${kase.sla.firstResponseDueAt} now=${now} />`,
          },
        ]}
        actions=${(kase: Case) =>
          kase.state === 'claimed' &&
          html`<button type="button" onClick=${() => renew(kase)}>${t('renew')}</button>`}
      />
    </section>
  `;
}
