import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { ApiClient, ApiProblemError } from './api.js';
import {
  type ConsoleConfig,
  type LanguageTemplates,
  type Me,
  MeSchema,
  TemplateCatalogSchema,
} from './apiTypes.js';
import {
  clearSession,
  currentAccessToken,
  refreshCognitoSession,
  type Session,
  signOut,
  takeUnconfirmedSignOut,
} from './auth.js';
import { Console, type ConsoleContext, type Notice } from './context.js';
import { isTyping } from './hooks.js';
import { html } from './html.js';
import { type Route, routeOf } from './route.js';
import { languageName, t } from './strings.js';
import { Board } from './views/Board.js';
import { CaseView } from './views/CaseView.js';
import { MyWork } from './views/MyWork.js';
import { Shortcuts } from './views/Shortcuts.js';
import { SignIn } from './views/SignIn.js';
import { Supervisor } from './views/Supervisor.js';

const SHORTCUTS_KEY = 'contact-router.console.shortcuts';

function useRoute(): Route {
  const [route, setRoute] = useState(() => routeOf(location.hash));
  useEffect(() => {
    const onHash = () => setRoute(routeOf(location.hash));
    addEventListener('hashchange', onHash);
    return () => removeEventListener('hashchange', onHash);
  }, []);
  return route;
}

export function App(props: {
  config: ConsoleConfig;
  initialSession: Session | undefined;
  signInError?: string | undefined;
}) {
  const { config } = props;
  const [session, setSession] = useState(props.initialSession);
  const [message, setMessage] = useState<string | undefined>(
    () => props.signInError ?? (takeUnconfirmedSignOut() ? t('signOutUnconfirmed') : undefined),
  );
  const onSignedOut = useCallback((why?: string) => {
    clearSession();
    setSession(undefined);
    setMessage(why);
  }, []);

  // Cognito: a new access token shortly before this one expires (while the refresh token lives).
  useEffect(() => {
    if (!session) return;
    const signIn = config.signIn;
    const leadMs = 2 * 60_000;
    const timer = setTimeout(
      async () => {
        if (signIn.kind === 'cognito' && signIn.authority) {
          const renewed = await refreshCognitoSession({ ...signIn, authority: signIn.authority }).catch(
            () => undefined,
          );
          if (renewed) return setSession(renewed);
        }
        onSignedOut(t('sessionEnded'));
      },
      Math.max(0, session.expiresAt - Date.now() - (session.kind === 'cognito' ? leadMs : 0)),
    );
    return () => clearTimeout(timer);
  }, [session]);

  if (!session) {
    return html`<${SignIn}
      config=${config}
      message=${message}
      onSignedIn=${(signedIn: Session) => {
        setMessage(undefined);
        setSession(signedIn);
      }}
    />`;
  }
  return html`<${SignedIn} config=${config} session=${session} onSignedOut=${onSignedOut} />`;
}

function SignedIn(props: { config: ConsoleConfig; session: Session; onSignedOut: (why?: string) => void }) {
  const { config, session, onSignedOut } = props;
  const api = useMemo(
    () =>
      new ApiClient({
        token: currentAccessToken,
        onUnauthenticated: () => onSignedOut(t('sessionEnded')),
      }),
    [],
  );
  const fromToken: Me = { id: session.staffId, role: session.role, languages: session.languages };
  const [me, setMe] = useState<Me>(fromToken);
  const [notices, setNotices] = useState<Notice[]>([]);
  const [help, setHelp] = useState(false);
  const [shortcuts, setShortcuts] = useState(() => localStorage.getItem(SHORTCUTS_KEY) !== 'off');
  const shortcutsRef = useRef(shortcuts);
  shortcutsRef.current = shortcuts;
  const route = useRoute();
  const templatesRef = useRef<Promise<LanguageTemplates[] | undefined> | undefined>(undefined);

  useEffect(() => {
    // The API's word on who this is; the token's own claims stand in until it answers.
    api
      .get('/me', MeSchema)
      .then(({ data }) => setMe(data))
      .catch((error: unknown) => {
        if (!(error instanceof ApiProblemError) || error.status !== 404) return;
      });
  }, [api]);

  const context: ConsoleContext = useMemo(
    () => ({
      api,
      config,
      me,
      navigate: (hash: string) => {
        if (location.hash === hash) dispatchEvent(new HashChangeEvent('hashchange'));
        else location.hash = hash;
      },
      notify: (text: string, tone: Notice['tone'] = 'info') => {
        const notice = { id: Date.now() + Math.random(), text, tone };
        setNotices((current) => [...current.slice(-2), notice]);
        setTimeout(
          () => setNotices((current) => current.filter((item) => item !== notice)),
          tone === 'error' ? 12_000 : 6_000,
        );
      },
      templates: () => {
        templatesRef.current ??= api
          .get('/templates', TemplateCatalogSchema)
          .then(({ data }) => data.languages)
          .catch(() => {
            templatesRef.current = undefined;
            return undefined;
          });
        return templatesRef.current;
      },
      shortcutsEnabled: () => shortcutsRef.current,
    }),
    [api, me],
  );

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey || isTyping(event)) return;
      if (event.key === '?') {
        setHelp((shown) => !shown);
        event.preventDefault();
        return;
      }
      if (!shortcutsRef.current) return;
      const target = { q: '#/queues', m: '#/mine', s: me.role === 'supervisor' ? '#/supervisor' : undefined }[
        event.key
      ];
      if (target) {
        context.navigate(target);
        event.preventDefault();
      }
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [me, context]);

  const toggleShortcuts = () => {
    const next = !shortcuts;
    localStorage.setItem(SHORTCUTS_KEY, next ? 'on' : 'off');
    setShortcuts(next);
  };

  const navLink = (hash: string, text: string, active: boolean) =>
    html`<a href=${hash} aria-current=${active ? 'page' : undefined}>${text}</a>`;

  return html`
    <${Console.Provider} value=${context}>
      <a class="skip-link" href="#main" onClick=${(event: Event) => {
        event.preventDefault();
        document.getElementById('main')?.focus();
      }}>${t('skipToContent')}</a>
      <header class="top">
        <span class="brand">${t('brand')}</span>
        <nav aria-label=${t('mainNavigation')}>
          ${navLink('#/queues', t('navQueues'), route.view === 'queues')}
          ${navLink('#/mine', t('navMyWork'), route.view === 'mine')}
          ${me.role === 'supervisor' && navLink('#/supervisor', t('navSupervisor'), route.view === 'supervisor')}
        </nav>
        <div class="who">
          <span data-testid="who">${t('signedInAs', { name: me.id })}</span>
          <span class="role">${me.role === 'supervisor' ? t('roleSupervisor') : t('roleAgent')}</span>
          <span class="skills">
            ${t('skillsLabel')}: ${me.languages.length > 0 ? me.languages.map(languageName).join(', ') : t('noSkills')}
          </span>
          <button type="button" class="link" onClick=${() => setHelp(!help)} aria-keyshortcuts="?">${t('shortcutsTitle')}</button>
          <button type="button" onClick=${() =>
            void signOut(config).then(({ confirmed }) =>
              onSignedOut(confirmed ? undefined : t('signOutUnconfirmed')),
            )}>${t('signOut')}</button>
        </div>
      </header>
      ${help && html`<${Shortcuts} enabled=${shortcuts} onToggle=${toggleShortcuts} onClose=${() => setHelp(false)} />`}
      <main id="main" tabindex="-1">
        ${route.view === 'case' && html`<${CaseView} key=${route.caseId} caseId=${route.caseId} />`}
        ${route.view === 'mine' && html`<${MyWork} />`}
        ${route.view === 'supervisor' && html`<${Supervisor} />`}
        ${route.view === 'queues' && html`<${Board} />`}
      </main>
      <div class="notices" role="status" aria-live="polite">
        ${notices.filter((notice) => notice.tone === 'info').map((notice) => html`<p key=${notice.id} class="notice">${notice.text}</p>`)}
      </div>
      <div class="notices notices-error" role="alert">
        ${notices.filter((notice) => notice.tone === 'error').map((notice) => html`<p key=${notice.id} class="notice notice-error">${notice.text}</p>`)}
      </div>
    <//>
  `;
}
