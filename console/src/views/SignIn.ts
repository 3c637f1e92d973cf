import { useState } from 'preact/hooks';
import type { ConsoleConfig, StaffRole } from '../apiTypes.js';
import { devSignIn, type Session, SignInError, startCognitoSignIn } from '../auth.js';
import { html } from '../html.js';
import { languageName, t } from '../strings.js';

/** Signed out: Cognito's hosted sign-in in AWS, or local mode's dev sign-in. */
export function SignIn(props: {
  config: ConsoleConfig;
  message?: string | undefined;
  onSignedIn: (session: Session) => void;
}) {
  const { config } = props;
  return html`
    <main id="main" class="sign-in" tabindex="-1">
      <h1>${config.signIn.kind === 'dev' ? t('devSignInTitle') : t('signInTitle')}</h1>
      ${props.message && html`<p class="banner banner-error" role="alert">${props.message}</p>`}
      ${
        config.signIn.kind === 'dev'
          ? html`<${DevSignIn} languages=${config.signIn.languages} onSignedIn=${props.onSignedIn} />`
          : html`<${CognitoSignIn} config=${config.signIn} />`
      }
    </main>
  `;
}

function CognitoSignIn(props: { config: Extract<ConsoleConfig['signIn'], { kind: 'cognito' }> }) {
  const [leaving, setLeaving] = useState(false);
  const { authority } = props.config;
  if (!authority) return html`<p role="alert">${t('signInNotConfigured')}</p>`;
  return html`
    <p>${t('signInLead')}</p>
    <button
      type="button"
      class="primary"
      disabled=${leaving}
      onClick=${() => {
        setLeaving(true);
        void startCognitoSignIn({ ...props.config, authority });
      }}
    >
      ${leaving ? t('signInRedirecting') : t('signInWithAccount')}
    </button>
  `;
}

function DevSignIn(props: { languages: string[]; onSignedIn: (session: Session) => void }) {
  const [name, setName] = useState('');
  const [role, setRole] = useState<StaffRole>('agent');
  const [skills, setSkills] = useState<string[]>(['en']);
  const [error, setError] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);

  async function submit(event: Event) {
    event.preventDefault();
    setBusy(true);
    try {
      props.onSignedIn(await devSignIn(name.trim(), role, skills));
    } catch (failure) {
      setError(
        failure instanceof SignInError ? t('signInFailed', { reason: failure.message }) : String(failure),
      );
      setBusy(false);
    }
  }

  const toggle = (language: string) =>
    setSkills(skills.includes(language) ? skills.filter((item) => item !== language) : [...skills, language]);

  return html`
    <p>${t('devSignInLead')}</p>
    ${error && html`<p class="banner banner-error" role="alert">${error}</p>`}
    <form class="dev-sign-in" onSubmit=${submit}>
      <div class="field">
        <label for="dev-name">${t('devName')}</label>
        <input
          id="dev-name"
          name="name"
          required
          pattern="[A-Za-z0-9._@+\\-]{1,128}"
          autocomplete="username"
          aria-describedby="dev-name-help"
          value=${name}
          onInput=${(event: Event) => setName((event.currentTarget as HTMLInputElement).value)}
        />
        <p id="dev-name-help" class="muted small">${t('devNameHelp')}</p>
      </div>
      <fieldset>
        <legend>${t('devRole')}</legend>
        ${(['agent', 'supervisor'] as const).map(
          (value) => html`<label class="choice">
            <input type="radio" name="role" value=${value} checked=${role === value} onChange=${() => setRole(value)} />
            ${value === 'agent' ? t('roleAgent') : t('roleSupervisor')}
          </label>`,
        )}
      </fieldset>
      <fieldset class="skills">
        <legend>${t('devSkills')}</legend>
        ${props.languages.map(
          (language) => html`<label class="choice">
            <input type="checkbox" name="skills" value=${language} checked=${skills.includes(language)} onChange=${() => toggle(language)} />
            ${languageName(language)}
          </label>`,
        )}
      </fieldset>
      <button type="submit" class="primary" disabled=${busy}>${t('devSignInSubmit')}</button>
    </form>
  `;
}
