// Sign-in: at the organisation's OpenID provider when idm has one, else by pasting a bearer
// token, checked against the API before the session starts.
import { html, useState } from '../lib.js';
import { session } from '../session.js';
import { Button, Field, Notice } from '../ui.js';
import { signIn } from '../oidc.js';

export function SignIn({ reason, oidc }) {
  if (oidc) return html`<${ProviderSignIn} reason=${reason} oidc=${oidc} />`;
  return html`<${TokenSignIn} reason=${reason} />`;
}

function ProviderSignIn({ reason, oidc }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  const go = () => {
    setBusy(true);
    signIn(oidc).catch((e) => { setError(e.message); setBusy(false); });
  };
  return html`<main class="signin" id="main">
    <h1>Sign in to idm</h1>
    ${reason && html`<${Notice} kind="info">${reason} Sign in again.</${Notice}>`}
    ${error && html`<${Notice} kind="error">${error}</${Notice}>`}
    <div class="card">
      <p>You sign in at your organisation's identity provider and come back here.</p>
      <${Button} class="btn btn-primary provider-sign-in" busy=${busy} onClick=${go}>Sign in with your organisation</${Button}>
    </div>
  </main>`;
}

function TokenSignIn({ reason }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e) => {
    e.preventDefault();
    const value = token.trim().replace(/^Bearer\s+/i, '');
    if (!value) {
      setError('Paste a token to sign in.');
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const res = await fetch('/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${value}` },
        body: JSON.stringify({ query: 'query SignIn { me { id } }', operationName: 'SignIn' }),
      });
      const body = await res.json().catch(() => ({}));
      if (res.ok && body.data?.me) {
        session.start(value);
        return;
      }
      setError(body.errors?.[0]?.message || `The server answered ${res.status}.`);
    } catch (err) {
      setError('The server cannot be reached.');
    } finally {
      setBusy(false);
    }
  };

  return html`<main class="signin" id="main">
    <h1>Sign in to idm</h1>
    ${reason && html`<${Notice} kind="info">${reason} Sign in again.</${Notice}>`}
    <form onSubmit=${submit} class="card" novalidate>
      <${Field} label="Bearer token" errors=${error ? [error] : []}
        hint=${html`An operator prints one with <code>idm token you@example.org</code>; <code>idm serve --demo</code> prints one per demo user.`}>
        ${(props) => html`<textarea ...${props} name="token" rows="4" autocomplete="off" spellcheck="false"
          value=${token} onInput=${(e) => setToken(e.currentTarget.value)}></textarea>`}
      </${Field}>
      <${Button} type="submit" busy=${busy}>Sign in</${Button}>
      <p class="hint">The token stays in this tab only (session storage) and is forgotten when the tab closes.</p>
    </form>
  </main>`;
}
