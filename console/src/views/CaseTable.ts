import type { ApiClient } from '../api.js';
import { type Case, CasePageSchema } from '../apiTypes.js';
import { ensureFontsFor } from '../fonts.js';
import { html } from '../html.js';
import { t } from '../strings.js';
import { formatCountdown, formatDateTime, urgencyOf } from '../time.js';

/** Every page of a case listing (`nextCursor` until the last page). */
export async function allPages(api: ApiClient, query: URLSearchParams): Promise<Case[]> {
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

/** A lease turns amber in its last three minutes: time to renew. */
export const LEASE_WARNING_MS = 3 * 60_000;

/** A countdown to a due time, amber within `warnWithinMs`, red once past. */
export function Countdown(props: { at: string; now: number; warnWithinMs?: number; testId?: string }) {
  return html`<time
    datetime=${props.at}
    title=${formatDateTime(props.at)}
    class=${`due due-${urgencyOf(props.at, props.now, props.warnWithinMs)}`}
    data-testid=${props.testId}
    >${formatCountdown(props.at, props.now)}</time
  >`;
}

export interface CaseColumn {
  header: string;
  cell: (kase: Case) => unknown;
}

/** Cases as a table: reference (a link to the case) and subject, then `columns`, then `actions`. */
export function CaseTable(props: {
  cases: Case[] | undefined;
  empty: string;
  columns: CaseColumn[];
  actions: (kase: Case) => unknown;
}) {
  const { cases } = props;
  if (cases === undefined) return html`<p class="muted">${t('loading')}</p>`;
  if (cases.length === 0) return html`<p>${props.empty}</p>`;
  ensureFontsFor(...cases.map((kase) => kase.subject));
  return html`<table class="cases">
    <thead>
      <tr>
        <th scope="col">${t('colReference')}</th>
        <th scope="col">${t('colSubject')}</th>
        ${props.columns.map((column) => html`<th scope="col">${column.header}</th>`)}
        <th scope="col"><span class="visually-hidden">${t('colActions')}</span></th>
      </tr>
    </thead>
    <tbody>
      ${cases.map(
        (kase) => html`<tr key=${kase.caseId} data-case=${kase.caseId}>
          <th scope="row"><a href=${`#/cases/${encodeURIComponent(kase.caseId)}`}>${kase.reference}</a></th>
          <td dir="auto">${kase.subject}</td>
          ${props.columns.map((column) => html`<td>${column.cell(kase)}</td>`)}
          <td class="actions">${props.actions(kase)}</td>
        </tr>`,
      )}
    </tbody>
  </table>`;
}
