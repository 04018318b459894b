// The console's entry point: the session gate, the header and the screen for the URL.
import { html, render, useState, useEffect } from './lib.js';
import { session } from './session.js';
import { gql, gqlRaw } from './api.js';
import { ME, PORTAL_ACCESS } from './ops.js';
import { useRoute, match, navigate, href, Link } from './router.js';
import { ViewerContext, holds } from './viewer.js';
import { PORTAL_LABELS } from './labels.js';
import { Loading, ErrorNotice } from './ui.js';
import { SignIn } from './screens/signin.js';
import { finishSignIn, signOut } from './oidc.js';
import { Users } from './screens/users.js';
import { UserDetail } from './screens/user.js';
import { NewUser } from './screens/new-user.js';
import { Grant } from './screens/grant.js';
import { Partners, PartnerDetail, NewPartner } from './screens/partners.js';
import { AuditLog } from './screens/audit.js';
import { Profile } from './screens/profile.js';

const ROUTES = [
  ['/admin/users', Users],
  ['/admin/users/new', NewUser],
  ['/admin/users/:id/grant', Grant],
  ['/admin/users/:id', UserDetail],
  ['/admin/partners', Partners],
  ['/admin/partners/new', NewPartner],
  ['/admin/partners/:id', PartnerDetail],
  ['/admin/audit', AuditLog],
  ['/admin/profile', Profile],
];

async function loadViewer() {
  const [{ me }, access] = await Promise.all([gql(ME), gqlRaw(PORTAL_ACCESS)]);
  const portals = [];
  if (access.data?.ip) portals.push('IP');
  if (access.data?.cluster) portals.push('CLUSTER');
  return { me, portals };
}

function useSession() {
  const [token, setToken] = useState(session.token());
  useEffect(() => session.subscribe(() => setToken(session.token())), []);
  return token;
}

function App({ settings, failure }) {
  const token = useSession();
  const route = useRoute();
  const [viewer, setViewer] = useState(null);
  const [error, setError] = useState(null);

  useEffect(() => {
    setViewer(null);
    setError(null);
    if (!token) return;
    loadViewer().then(setViewer).catch(setError);
  }, [token]);

  if (!token) return html`<${SignIn} reason=${failure || session.endedBecause()} oidc=${settings.oidc} />`;
  if (error) return html`<main class="page"><${ErrorNotice} error=${error} /></main>`;
  if (!viewer) return html`<${Loading} what="Signing in" />`;

  return html`<${ViewerContext.Provider} value=${viewer}>
    <${Header} viewer=${viewer} route=${route} settings=${settings} />
    <main id="main" class="page" tabindex="-1"><${Screen} route=${route} viewer=${viewer} /></main>
  </${ViewerContext.Provider}>`;
}

function Screen({ route, viewer }) {
  for (const [pattern, Component] of ROUTES) {
    const params = match(pattern, route.path);
    if (params) return html`<${Component} params=${params} query=${route.query} />`;
  }
  if (route.path === '/admin' || route.path === '/') {
    const home = viewer.portals.length
      ? href('/admin/users', { portal: viewer.portals[0] })
      : '/admin/profile';
    navigate(home, { replace: true });
    return null;
  }
  return html`<h1>Not found</h1><p>No screen lives at ${route.path}. <${Link} to="/admin">Back to the start</${Link}>.</p>`;
}

function Header({ viewer, route, settings }) {
  const { me, portals } = viewer;
  const portal = route.query.get('portal') || portals[0];
  const partners = holds(me, 'CLUSTER_SYSTEM_ADMIN', 'CLUSTER_IMO');
  const current = (prefix) => (route.path.startsWith(prefix) ? 'page' : undefined);
  return html`<header class="top">
    <a class="skip" href="#main">Skip to content</a>
    <nav aria-label="Main">
      <span class="brand">idm</span>
      ${portals.length > 1 && html`<span class="portal-switch" role="group" aria-label="Portal">
        ${portals.map((p) => html`<${Link} to=${href('/admin/users', { portal: p })}
          aria-current=${route.path === '/admin/users' && portal === p ? 'page' : undefined}>${PORTAL_LABELS[p]}</${Link}>`)}
      </span>`}
      ${portals.length > 0 && html`<${Link} to=${href('/admin/users', { portal })} aria-current=${current('/admin/users')}>Users</${Link}>`}
      ${partners && html`<${Link} to="/admin/partners" aria-current=${current('/admin/partners')}>Partners</${Link}>`}
      <${Link} to="/admin/audit" aria-current=${current('/admin/audit')}>Audit log</${Link}>
    </nav>
    <div class="who">
      <${Link} to="/admin/profile" aria-current=${current('/admin/profile')} title="My profile">
        <span class="who-name">${me.fullName}</span>${me.partner && html`<span class="who-partner">${me.partner.title}</span>`}
      </${Link}>
      <button type="button" class="btn btn-secondary" onClick=${() => (settings.oidc ? signOut(settings.oidc) : session.end())}>Sign out</button>
    </div>
  </header>`;
}

// The server's settings (an OpenID provider to sign in at, or none), then a sign-in the
// provider may just have sent the browser back from.
const settings = await fetch('/admin/config.json').then((r) => (r.ok ? r.json() : {})).catch(() => ({}));
const failure = settings.oidc ? await finishSignIn(settings.oidc).catch((e) => e.message) : null;
render(html`<${App} settings=${settings} failure=${failure} />`, document.getElementById('app'));
