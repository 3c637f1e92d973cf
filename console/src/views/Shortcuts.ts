import { html } from '../html.js';
import { t } from '../strings.js';

const SHORTCUTS: [string, Parameters<typeof t>[0]][] = [
  ['q', 'shortcutQueues'],
  ['m', 'shortcutMyWork'],
  ['s', 'shortcutSupervisor'],
  ['↑ ↓ / j k / 1–9', 'shortcutMove'],
  ['c', 'shortcutClaim'],
  ['r', 'shortcutReply'],
  ['n', 'shortcutNote'],
  ['?', 'shortcutHelp'],
];

/** The shortcut list, and the switch that turns single-key shortcuts off (WCAG 2.1.4). */
export function Shortcuts(props: { enabled: boolean; onToggle: () => void; onClose: () => void }) {
  return html`
    <section class="shortcuts panel" role="dialog" aria-modal="false" aria-labelledby="shortcuts-title">
      <h2 id="shortcuts-title">${t('shortcutsTitle')}</h2>
      <dl>
        ${SHORTCUTS.map(([keys, description]) => html`<div><dt><kbd>${keys}</kbd></dt><dd>${t(description)}</dd></div>`)}
      </dl>
      <p>
        <button type="button" aria-pressed=${String(props.enabled)} onClick=${props.onToggle}>
          ${t('shortcutsToggle')}: ${props.enabled ? t('shortcutsOn') : t('shortcutsOff')}
        </button>
        <button type="button" onClick=${props.onClose}>${t('close')}</button>
      </p>
    </section>
  `;
}
