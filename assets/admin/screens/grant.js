// "What can I grant": the requester's scopes × role types, each cell answered by assignableRoles.
import { html, useState, useEffect } from '../lib.js';
import {
  GRANT_USER, WORKSPACES, CLUSTERS, GRANT_BATCH, grantMatrixQuery,
} from '../ops.js';
import { href, Link, navigate, userPath } from '../router.js';
import { useViewer } from '../viewer.js';
import { ROLE_LABELS, PORTAL_ROLES, PORTAL_LABELS, PORTALS } from '../labels.js';
import {
  useQuery, gqlRaw, Notice, ErrorNotice, Loading, StatusChip, ApiError, RoleList, heads,
} from '../ui.js';

const SCOPELESS = 'CLUSTER_SYSTEM_ADMIN';

// { scopes: [{ kind, id, title }] } or { forbidden: true }.
async function loadScopes(portal) {
  const ip = portal === 'IP';
  const { data, errors } = await gqlRaw(ip ? WORKSPACES : CLUSTERS);
  if (errors.length) {
    const code = errors[0].extensions?.code;
    if (code === 'FORBIDDEN') return { forbidden: true };
    throw new ApiError(errors[0].message, { code, errors });
  }
  const kind = ip ? 'workspace' : 'cluster';
  const list = ip ? data.workspaces : data.assignableClusters;
  return { scopes: list.map((s) => ({ kind, id: s.id, title: s.title ?? s.fullTitle })) };
}

// assignableRoles of every scope, GRANT_BATCH at a time: role types, or null when unanswered.
async function askAll(userId, scopes, onProgress) {
  const answers = [];
  const errors = [];
  for (let start = 0; start < scopes.length; start += GRANT_BATCH) {
    const chunk = scopes.slice(start, start + GRANT_BATCH);
    const variables = { u: userId };
    chunk.forEach((s, i) => { if (s.kind !== 'none') variables[`v${i}`] = s.id; });
    const r = await gqlRaw(grantMatrixQuery(chunk), variables);
    errors.push(...r.errors);
    chunk.forEach((s, i) => answers.push(r.data?.[`s${i}`] ?? null));
    onProgress(Math.min(start + GRANT_BATCH, scopes.length));
  }
  return { answers, errors };
}

function useMatrix(userId, portal) {
  const [state, setState] = useState({ loading: true });
  useEffect(() => {
    let live = true;
    setState({ loading: true });
    (async () => {
      const { scopes, forbidden } = await loadScopes(portal);
      const rows = forbidden ? [] : [...scopes];
      if (portal === 'CLUSTER') rows.push({ kind: 'none', id: null, title: 'Everywhere (no scope)' });
      if (live) setState({ loading: true, asked: 0, total: rows.length });
      const { answers, errors } = await askAll(userId, rows, (asked) => live && setState((s) => ({ ...s, asked })));
      if (live) setState({ loading: false, forbidden, rows: rows.map((r, i) => ({ ...r, roles: answers[i] })), errors });
    })().catch((error) => live && setState({ loading: false, error }));
    return () => { live = false; };
  }, [userId, portal]);
  return state;
}

export function Grant({ params, query }) {
  const { portals } = useViewer();
  const asked = query.get('portal');
  const portal = PORTAL_ROLES[asked] ? asked : (portals[0] || 'CLUSTER');
  const only = query.get('only') === '1';
  const path = userPath(params.id);
  const userHref = href(path, { portal });
  const { data, error, loading } = useQuery(GRANT_USER, { id: params.id, portal });
  const user = data?.user;

  if (loading && !data) return html`<${Loading} what="Loading the user" />`;
  if (error) return html`<h1>What can I grant</h1><${ErrorNotice} error=${error} />`;
  if (!user) {
    return html`<h1>What can I grant</h1><${Notice} kind="error">No such user, or you may not see it.
      <${Link} to=${href('/admin/users', { portal: portals[0] })}>Back to the users</${Link}>.</${Notice}>`;
  }
  const to = (changes) => href(`${path}/grant`, { portal, only: only ? '1' : '', ...changes });

  return html`<div class="grant">
    <p class="crumbs"><${Link} to=${userHref}>← ${user.fullName}</${Link}></p>
    <div class="page-head">
      <h1>What can I grant to ${user.fullName}</h1>
      <span class="portal-tabs" role="group" aria-label="Portal">
        ${PORTALS.map((p) => html`<${Link} class="btn btn-secondary" to=${to({ portal: p })}
          aria-current=${p === portal ? 'page' : undefined}>${PORTAL_LABELS[p]} roles</${Link}>`)}
      </span>
    </div>
    <p class="muted">${user.email} · <${StatusChip} status=${user.status} /></p>
    <div class="grant-layout">
      <section class="card grant-matrix-card" aria-labelledby="grant-matrix-h">
        <h2 id="grant-matrix-h">${PORTAL_LABELS[portal]} roles you can grant, by scope</h2>
        <p class="hint">As the API's own guard answers it now, for this user; ✓ can grant, — cannot.</p>
        <label class="check"><input type="checkbox" checked=${only}
          onChange=${(e) => navigate(to({ only: e.currentTarget.checked ? '1' : '' }), { replace: true })} />
          Only scopes where I can grant something</label>
        <${Matrix} userId=${user.id} portal=${portal} only=${only} />
      </section>
      <section class="card grant-current" aria-labelledby="grant-current-h">
        <h2 id="grant-current-h">Current ${PORTAL_LABELS[portal]} roles</h2>
        ${user.roles.length ? html`<${RoleList} roles=${user.roles} />` : html`<p class="muted">None.</p>`}
        <p><${Link} to=${userHref}>Manage ${user.fullName}'s roles</${Link}></p>
      </section>
    </div>
  </div>`;
}

function Cell({ row, role }) {
  const label = ROLE_LABELS[role];
  if ((row.kind === 'none') !== (role === SCOPELESS)) {
    return html`<td class="na" data-label=${label}><span aria-hidden="true">·</span><span class="visually-hidden">not applicable</span></td>`;
  }
  if (row.roles === null) return html`<td class="unknown" data-label=${label}>? <span class="visually-hidden">no answer</span></td>`;
  const yes = row.roles.includes(role);
  return html`<td class=${yes ? 'yes' : 'no'} data-label=${label}>
    <span aria-hidden="true">${yes ? '✓' : '—'}</span><span class="visually-hidden">${yes ? 'can grant' : 'cannot grant'}</span>
  </td>`;
}

function Matrix({ userId, portal, only }) {
  const m = useMatrix(userId, portal);
  const roles = PORTAL_ROLES[portal];
  if (m.error) return html`<${ErrorNotice} error=${m.error} />`;
  if (m.loading) {
    return html`<p class="loading" role="status">Asking the API…${m.total ? ` ${m.asked || 0} of ${m.total} scopes` : ''}</p>`;
  }
  const rows = only ? m.rows.filter((r) => r.roles?.length) : m.rows;
  const scoped = m.rows.filter((r) => r.kind !== 'none');
  const some = scoped.filter((r) => r.roles?.length).length;
  return html`
    ${m.forbidden && html`<${Notice}>You may assign cluster roles in no cluster (the API answers FORBIDDEN for your clusters).</${Notice}>`}
    ${m.errors.length > 0 && html`<${Notice} kind="error">Some cells could not be asked: ${m.errors[0].message}${m.errors[0].extensions?.code ? ` (${m.errors[0].extensions.code})` : ''}</${Notice}>`}
    ${!m.forbidden && html`<p class="summary" role="status">You can grant something in ${some} of the ${scoped.length} ${portal === 'IP'
      ? 'workspaces you work in' : 'clusters where you may assign roles'}.</p>`}
    ${rows.length === 0
      ? html`<p class="muted">Nothing to show.</p>`
      : html`<div class="table-wrap"><table class="list grant-matrix">
        ${heads([portal === 'IP' ? 'Workspace' : 'Cluster', ...roles.map((r) => ROLE_LABELS[r])])}
        <tbody>${rows.map((row) => html`<tr key=${row.id || 'none'}>
          <th scope="row">${row.title}</th>
          ${roles.map((role) => html`<${Cell} row=${row} role=${role} />`)}
        </tr>`)}</tbody>
      </table></div>`}`;
}
