import { render } from 'preact';
import { App } from './App.js';
import { ConsoleConfigSchema } from './apiTypes.js';
import { completeCognitoSignIn, loadSession, type Session } from './auth.js';
import { html } from './html.js';
import { t } from './strings.js';

/** Boots the console: its settings, a returning sign-in (Cognito's `?code=`), the stored session. */
async function boot(root: HTMLElement) {
  const response = await fetch('/console/config.json', { cache: 'no-store' });
  const config = ConsoleConfigSchema.parse(await response.json());
  let session: Session | undefined;
  let signInError: string | undefined;
  if (config.signIn.kind === 'cognito' && config.signIn.authority) {
    try {
      session = await completeCognitoSignIn(
        { ...config.signIn, authority: config.signIn.authority },
        new URL(location.href),
      );
    } catch (error) {
      signInError = t('signInFailed', { reason: error instanceof Error ? error.message : String(error) });
    }
  }
  session ??= loadSession();
  // The page's "Loading…" line goes; Preact renders into an empty root.
  root.replaceChildren();
  render(html`<${App} config=${config} initialSession=${session} signInError=${signInError} />`, root);
}

const root = document.getElementById('app');
if (root) {
  boot(root).catch((error: unknown) => {
    root.textContent = `${t('unexpectedAnswer')} ${error instanceof Error ? error.message : ''}`;
  });
}
