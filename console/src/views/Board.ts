import { useRef, useState } from 'preact/hooks';
import { describeError } from '../api.js';
import { ClaimResultSchema, QueueListSchema, type QueueSummary } from '../apiTypes.js';
import { useConsole } from '../context.js';
import { useFocusHeading, useNow, usePolling, useShortcuts } from '../hooks.js';
import { html } from '../html.js';
import { t } from '../strings.js';
import { formatCountdown, formatDateTime, formatDuration, urgencyOf } from '../time.js';

/** The moment the board first shows data (`performance.getEntriesByName('board-ready')`): time to usable. */
function markBoardReady() {
  if (performance.getEntriesByName('board-ready').length > 0) return;
  requestAnimationFrame(() => performance.mark('board-ready'));
}

/** The queue board: one `GET /queues` per refresh, live ages and countdowns, claim-next per queue. */
export function Board() {
  const { api, config, navigate, notify } = useConsole();
  const [queues, setQueues] = useState<QueueSummary[] | undefined>(undefined);
  const [loadedAt, setLoadedAt] = useState<number | undefined>(undefined);
  const [failure, setFailure] = useState<string | undefined>(undefined);
  const [selected, setSelected] = useState(0);
  const [claiming, setClaiming] = useState<string | undefined>(undefined);
  const buttons = useRef<(HTMLButtonElement | null)[]>([]);
  const heading = useFocusHeading();
  const now = useNow();

  usePolling(
    async () => {
      try {
        const { data } = await api.get('/queues', QueueListSchema);
        setQueues(data.queues);
        setLoadedAt(api.now());
        markBoardReady();
        setFailure(undefined);
      } catch (error) {
        setFailure(describeError(error));
        throw error;
      }
    },
    config.refreshSeconds * 1_000,
    api,
  );

  async function claim(queue: string) {
    if (claiming) return;
    setClaiming(queue);
    try {
      const { data } = await api.post(`/queues/${encodeURIComponent(queue)}/claim`, {}, ClaimResultSchema);
      if (data.case) {
        notify(t('claimed', { reference: data.case.reference }));
        navigate(`#/cases/${encodeURIComponent(data.case.caseId)}`);
      } else {
        notify(t('queueEmpty', { queue }));
      }
    } catch (error) {
      notify(describeError(error), 'error');
    } finally {
      setClaiming(undefined);
    }
  }

  function select(index: number) {
    if (!queues || queues.length === 0) return;
    const next = Math.max(0, Math.min(queues.length - 1, index));
    setSelected(next);
    buttons.current[next]?.focus();
  }

  useShortcuts((event) => {
    if (!queues) return false;
    const moves: Record<string, number> = {
      j: selected + 1,
      ArrowDown: selected + 1,
      k: selected - 1,
      ArrowUp: selected - 1,
    };
    const target = /^[1-9]$/.test(event.key) ? Number(event.key) - 1 : moves[event.key];
    if (target !== undefined) {
      select(target);
      return true;
    }
    if (event.key === 'c') {
      const queue = queues[selected];
      if (queue) void claim(queue.queue);
      return true;
    }
    return false;
  });

  const updated =
    loadedAt === undefined
      ? ''
      : now - loadedAt < 2_000
        ? t('updatedJustNow')
        : t('updatedAgo', { ago: formatDuration(now - loadedAt) });

  return html`
    <section class="board" aria-labelledby="board-title">
      <div class="view-head">
        <h1 id="board-title" tabindex="-1" ref=${heading}>${t('queuesTitle')}</h1>
        <p class="updated" aria-live="off">${updated}</p>
      </div>
      <p class="hint">${t('claimShortcutHint')}</p>
      ${failure && html`<p class="banner banner-error" role="alert">${t('refreshFailed', { reason: failure })}</p>`}
      ${
        queues === undefined
          ? html`<p class="muted">${t('loading')}</p>`
          : queues.length === 0
            ? html`<p>${t('noQueues')}</p>`
            : html`
              <table class="queues">
                <caption class="visually-hidden">${t('queuesCaption')}</caption>
                <thead>
                  <tr>
                    <th scope="col">${t('colQueue')}</th>
                    <th scope="col" class="num">${t('colWaiting')}</th>
                    <th scope="col">${t('colOldest')}</th>
                    <th scope="col" class="num">${t('colAtRisk')}</th>
                    <th scope="col" class="num">${t('colBreached')}</th>
                    <th scope="col">${t('colNextDue')}</th>
                    <th scope="col"><span class="visually-hidden">${t('colActions')}</span></th>
                  </tr>
                </thead>
                <tbody>
                  ${queues.map(
                    (queue, index) => html`
                      <tr
                        key=${queue.queue}
                        data-queue=${queue.queue}
                        class=${[
                          index === selected ? 'selected' : '',
                          queue.breached > 0 ? 'has-breached' : queue.atRisk > 0 ? 'has-at-risk' : '',
                        ].join(' ')}
                      >
                        <th scope="row">
                          <span class=${index < 9 ? 'key' : 'key key-none'} aria-hidden="true">${index < 9 ? index + 1 : ''}</span>
                          ${queue.queue}
                        </th>
                        <td class="num depth" data-testid="depth">${queue.depth}</td>
                        <td>
                          ${
                            queue.oldestReceivedAt
                              ? html`<time datetime=${queue.oldestReceivedAt} title=${formatDateTime(queue.oldestReceivedAt)}
                                  >${formatDuration(now - Date.parse(queue.oldestReceivedAt))}</time
                                >`
                              : t('none')
                          }
                        </td>
                        <td class="num">
                          ${
                            queue.atRisk > 0
                              ? html`<span class="badge badge-amber">${t('atRiskCount', { count: queue.atRisk })}</span>`
                              : html`<span class="zero">0</span>`
                          }
                        </td>
                        <td class="num">
                          ${
                            queue.breached > 0
                              ? html`<span class="badge badge-red">${t('breachedCount', { count: queue.breached })}</span>`
                              : html`<span class="zero">0</span>`
                          }
                        </td>
                        <td>
                          ${
                            queue.nextDueAt
                              ? html`<time
                                  class=${`due due-${urgencyOf(queue.nextDueAt, now)}`}
                                  datetime=${queue.nextDueAt}
                                  title=${formatDateTime(queue.nextDueAt)}
                                  >${formatCountdown(queue.nextDueAt, now)}</time
                                >`
                              : t('none')
                          }
                        </td>
                        <td class="actions">
                          <button
                            type="button"
                            class="primary"
                            ref=${(element: HTMLButtonElement | null) => {
                              buttons.current[index] = element;
                            }}
                            onFocus=${() => setSelected(index)}
                            onClick=${() => claim(queue.queue)}
                            disabled=${claiming !== undefined}
                            aria-label=${t('claimNextIn', { queue: queue.queue })}
                            aria-keyshortcuts="c"
                          >
                            ${claiming === queue.queue ? t('claiming') : t('claimNext')}
                          </button>
                        </td>
                      </tr>
                    `,
                  )}
                </tbody>
              </table>
            `
      }
    </section>
  `;
}
