// The archive console: a page shell the stack serves without auth, and everything else read from
// the archive API with the signed-in user's token. Hash routes: #/?filters (list), #/record/<id>.
import './console.css';
import { ArchiveApi, type ApiError } from './api.ts';
import { finishSignIn, forgetToken, keepToken, startSignIn, storedToken, type AuthConfig } from './auth.ts';
import { h, replace } from './dom.ts';
import { filtersFromHash, renderList } from './list.ts';
import { renderRecord } from './record.ts';

interface ConsoleConfig {
  apiBase: string;
  auth: AuthConfig;
}

const root = document.getElementById('app')!;

function signInView(auth: AuthConfig, problem?: string): void {
  const alert = problem ? h('p', { class: 'error', role: 'alert', id: 'sign-in-error' }, problem) : null;
  if (auth.mode === 'unavailable') {
    replace(root, h('h1', {}, 'Meeting archive'), h('p', { class: 'error', role: 'alert' }, auth.reason));
    return;
  }
  if (auth.mode === 'oidc') {
    const button = h('button', { type: 'button', class: 'primary' }, `Sign in with ${new URL(auth.issuer).host}`);
    button.addEventListener('click', () => startSignIn(auth).catch((error: Error) => signInView(auth, error.message)));
    replace(root, h('h1', {}, 'Meeting archive'), alert, button);
    button.focus();
    return;
  }
  const input = h('input', { type: 'password', name: 'token', id: 'token', autocomplete: 'off', required: true });
  const form = h(
    'form',
    { class: 'sign-in', 'aria-label': 'Sign in' },
    h('label', { for: 'token' }, 'Archive API token'),
    input,
    h('p', { class: 'note' }, 'The token npm start prints (ARCHIVE_API_TOKEN). It is kept for this tab only.'),
    h('button', { type: 'submit', class: 'primary' }, 'Sign in'),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    keepToken(input.value.trim());
    void route();
  });
  replace(root, h('h1', {}, 'Meeting archive'), alert, form);
  input.focus();
}

let config: ConsoleConfig;
let api: ArchiveApi;

function onAuthError(error: ApiError): void {
  forgetToken();
  signInView(config.auth, `Sign-in failed: the archive refused your ${config.auth.mode === 'token' ? 'token' : 'session'} (${error.status}: ${error.message}).`);
}

async function route(): Promise<void> {
  if (!storedToken()) return signInView(config.auth);
  const record = /^#\/record\/([^/?]+)/.exec(location.hash);
  if (record) await renderRecord(root, api, decodeURIComponent(record[1]!), onAuthError);
  else await renderList(root, api, filtersFromHash(location.hash), onAuthError);
  root.querySelector<HTMLElement>('h1')?.setAttribute('tabindex', '-1');
  if (document.activeElement === document.body) root.querySelector<HTMLElement>('h1')?.focus();
}

// Keyboard: `/` jumps to the subject filter, Escape goes back from a recording to the list.
document.addEventListener('keydown', (event) => {
  const typing = event.target instanceof HTMLInputElement || event.target instanceof HTMLTextAreaElement;
  if (event.key === '/' && !typing) {
    const subject = document.getElementById('filter-subject');
    if (subject) {
      event.preventDefault();
      subject.focus();
    }
  } else if (event.key === 'Escape' && location.hash.startsWith('#/record/')) {
    history.back();
  }
});

async function start(): Promise<void> {
  config = (await (await fetch('/console/config.json')).json()) as ConsoleConfig;
  api = new ArchiveApi(config.apiBase, storedToken);
  if (config.auth.mode === 'oidc') {
    const problem = await finishSignIn(config.auth).catch((error: Error) => error.message);
    if (problem) return signInView(config.auth, problem);
  }
  window.addEventListener('hashchange', () => void route());
  await route();
}

start().catch((error: Error) => replace(root, h('p', { class: 'error', role: 'alert' }, `The console could not start: ${error.message}`)));
