// Sign-in at the organisation's OpenID provider: authorization code with PKCE (S256) for a
// public client, `state` and `nonce` checked, the code exchanged from the page, the URL cleaned
// of it at once. The provider's token is then the bearer token of every request (sessionStorage
// only, as a pasted token). The server checks each token's signature; the console only reads
// the claims it needs (nonce, exp) to drive the flow.
import { session } from './session.js';

const FLOW = 'idm.console.oidc';
const base64url = (bytes) => btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
const random = () => base64url(crypto.getRandomValues(new Uint8Array(32)));

async function discover(oidc) {
  const res = await fetch(`${oidc.issuer.replace(/\/$/, '')}/.well-known/openid-configuration`);
  if (!res.ok) throw new Error(`The identity provider answered ${res.status}.`);
  return res.json();
}

function redirectUri() {
  return `${location.origin}/admin/`;
}

// Leaves for the provider's sign-in page; `silent` asks it not to show one (renewal).
export async function signIn(oidc, { silent = false } = {}) {
  const meta = await discover(oidc);
  const verifier = random();
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier));
  const flow = { verifier, state: random(), nonce: random(), back: location.pathname + location.search };
  sessionStorage.setItem(FLOW, JSON.stringify(flow));
  const q = new URLSearchParams({
    response_type: 'code',
    client_id: oidc.clientId,
    redirect_uri: redirectUri(),
    scope: oidc.scope,
    state: flow.state,
    nonce: flow.nonce,
    code_challenge: base64url(new Uint8Array(digest)),
    code_challenge_method: 'S256',
  });
  if (oidc.resource) q.set('resource', oidc.resource);
  if (silent) q.set('prompt', 'none');
  location.assign(`${meta.authorization_endpoint}?${q}`);
}

// The payload of a JWT, unverified (the server verifies every token it is sent).
function claims(jwt) {
  const part = (jwt.split('.')[1] || '').replace(/-/g, '+').replace(/_/g, '/');
  return JSON.parse(new TextDecoder().decode(Uint8Array.from(atob(part), (c) => c.charCodeAt(0))));
}

let renewal = null;

// Renews the sign-in a minute before the token expires (the provider's session signs in again
// without a page of its own; when it cannot, the sign-in screen says why).
function scheduleRenewal(oidc, exp) {
  clearTimeout(renewal);
  const wait = exp * 1000 - Date.now() - 60000;
  if (wait > 0) renewal = setTimeout(() => signIn(oidc, { silent: true }), wait);
}

// Completes a sign-in when the provider sent the browser back (?code=…&state=…); afterwards
// keeps the renewal scheduled. Resolves to a message when the sign-in failed.
export async function finishSignIn(oidc) {
  const params = new URLSearchParams(location.search);
  const flow = JSON.parse(sessionStorage.getItem(FLOW) || 'null');
  if (!params.has('state') || !flow) {
    const token = session.token();
    if (token) scheduleRenewal(oidc, claims(token).exp);
    return null;
  }
  sessionStorage.removeItem(FLOW);
  // The code and state leave the URL (and the history entry) before anything else.
  history.replaceState(null, '', flow.back || '/admin/');
  if (params.get('state') !== flow.state) return 'The sign-in answer did not match this tab’s request.';
  if (params.get('error')) return `The identity provider refused: ${params.get('error_description') || params.get('error')}.`;
  const meta = await discover(oidc);
  const res = await fetch(meta.token_endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code: params.get('code'),
      redirect_uri: redirectUri(),
      client_id: oidc.clientId,
      code_verifier: flow.verifier,
    }),
  });
  const tokens = await res.json().catch(() => ({}));
  if (!res.ok || !tokens.id_token) return `The identity provider did not sign you in (${tokens.error || res.status}).`;
  if (claims(tokens.id_token).nonce !== flow.nonce) return 'The sign-in answer was not for this tab’s request.';
  const bearer = oidc.token === 'access' ? tokens.access_token : tokens.id_token;
  session.start(bearer, { idToken: tokens.id_token });
  scheduleRenewal(oidc, claims(bearer).exp);
  return null;
}

// Ends the session here and, when the provider offers it, there too.
export async function signOut(oidc) {
  const idToken = session.idToken();
  session.end();
  clearTimeout(renewal);
  const meta = await discover(oidc).catch(() => ({}));
  if (!meta.end_session_endpoint) return;
  const q = new URLSearchParams({ client_id: oidc.clientId, post_logout_redirect_uri: redirectUri() });
  if (idToken) q.set('id_token_hint', idToken);
  location.assign(`${meta.end_session_endpoint}?${q}`);
}
