import { useState } from 'preact/hooks';
import { describeError } from '../api.js';
import { type Case, CaseEnvelopeSchema, CasePageSchema } from '../apiTypes.js';
import { useConsole } from '../context.js';
import { ensureFontsFor } from '../fonts.js';
import { useFocusHeading, useNow, usePolling } from '../hooks.js';
import { html } from '../html.js';
import { label, t } from '../strings.js';
import { formatCountdown, formatDateTime, urgencyOf } from '../time.js';

/** Every page of a case listing (`nextCursor` until the last page). */
export async function allPages(
  api: ReturnType<typeof useConsole>['api'],
  query: URLSearchParams,
): Promise<Case[]> {
  const cases: Case[] = [];
  let cursor: string | undefined;
  do {
    const page = new URLSearchParams(query);
    page.set('limit', '100');
    if (cursor) page.set('cursor', cursor);
    const { data } = await api.get(`/cases?${page.toString()}`, CasePageSchema);
    cases.push(...data.cases);
    cursor = data.nextCursor;
  } while (cursor);
  return cases;
}

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

  ensureFontsFor(...(cases ?? []).map((kase) => kase.subject));
  return html`
    <section aria-labelledby="mine-title">
      <h1 id="mine-title" tabindex="-1" ref=${heading}>${t('myWorkTitle')}</h1>
      ${failure && html`<p class="banner banner-error" role="alert">${failure}</p>`}
      ${
        cases === undefined
          ? html`<p class="muted">${t('loading')}</p>`
          : cases.length === 0
            ? html`<p>${t('myWorkEmpty')}</p>`
            : html`<table class="cases">
                <thead>
                  <tr>
                    <th scope="col">${t('colReference')}</th>
                    <th scope="col">${t('colSubject')}</th>
                    <th scope="col">${t('colQueue')}</th>
                    <th scope="col">${t('colState')}</th>
                    <th scope="col">${t('colLease')}</th>
                    <th scope="col">${t('colFirstDue')}</th>
                    <th scope="col"><span class="visually-hidden">${t('colActions')}</span></th>
                  </tr>
                </thead>
                <tbody>
                  ${cases.map(
                    (kase) => html`<tr key=${kase.caseId} data-case=${kase.caseId}>
                      <th scope="row"><a href=${`#/cases/${encodeURIComponent(kase.caseId)}`}>${kase.reference}</a></th>
                      <td dir="auto">${kase.subject}</td>
                      <td>${kase.queue}</td>
                      <td>${label('state', kase.state)}</td>
                      <td>
                        ${
                          kase.leaseExpiresAt
                            ? html`<time
                                datetime=${kase.leaseExpiresAt}
                                class=${`due due-${urgencyOf(kase.leaseExpiresAt, now, 3 * 60_000)}`}
                                data-testid="lease"
                                >${formatCountdown(kase.leaseExpiresAt, now)}</time
                              >`
                            : t('none')
                        }
                      </td>
                      <td>
                        <time datetime=${kase.sla.firstResponseDueAt} title=${formatDateTime(kase.sla.firstResponseDueAt)}
                          class=${`due due-${urgencyOf(kase.sla.firstResponseDueAt, now)}`}
                          >${formatCountdown(kase.sla.firstResponseDueAt, now)}</time
                        >
                      </td>
                      <td class="actions">
                        ${kase.state === 'claimed' && html`<button type="button" onClick=${() => renew(kase)}>${t('renew')}</button>`}
                      </td>
                    </tr>`,
                  )}
                </tbody>
              </table>`
      }
    </section>
  `;
}
