// The users list of one portal: every filter of `users`, column sort, cursor pages of 20, 50
// or 100. The URL holds all of it, so reload and back/forward keep the list as it was.
import { html, useState, useEffect, useMemo } from '../lib.js';
import {
  USERS_PAGE, OTHER_AUTHORIZED_OFFICERS, FILTER_WORKSPACES, FILTER_CLUSTERS, FILTER_PARTNERS,
} from '../ops.js';
import { navigate, href, Link } from '../router.js';
import { useViewer } from '../viewer.js';
import {
  ROLE_LABELS, PORTAL_ROLES, PORTAL_LABELS, STATUS_LABELS, formatDateTime, scopeLabel,
} from '../labels.js';
import {
  useQuery, gql, gqlRaw, Field, Notice, ErrorNotice, Loading, StatusChip, Button,
} from '../ui.js';
import { ExportCsv } from '../export.js';

export const PAGE_SIZES = [20, 50, 100];
const STATUSES = ['ACTIVE', 'INVITED', 'INCOMPLETE', 'DEACTIVATED'];
// Column sorts: a column may sort by more than one key (name: last, then first).
const SORTS = {
  name: ['LAST_NAME', 'FIRST_NAME'],
  email: ['EMAIL'],
  partner: ['PARTNER'],
  status: ['STATUS'],
  lastLogin: ['LAST_LOGIN'],
};

// The list's state, read from the URL.
export function listState(query, portals) {
  const portal = portals.includes(query.get('portal')) ? query.get('portal') : portals[0];
  const size = PAGE_SIZES.includes(Number(query.get('size'))) ? Number(query.get('size')) : 20;
  return {
    portal,
    q: query.get('q') || '',
    statuses: query.getAll('status').filter((s) => STATUSES.includes(s)),
    roles: query.getAll('role').filter((r) => PORTAL_ROLES[portal]?.includes(r)),
    workspace: query.get('workspace') || '',
    cluster: query.get('cluster') || '',
    clusterName: query.get('clusterName') || '',
    partner: query.get('partner') || '',
    partnerName: query.get('partnerName') || '',
    sort: SORTS[query.get('sort')] ? query.get('sort') : '',
    dir: query.get('dir') === 'DESC' ? 'DESC' : 'ASC',
    size,
    after: query.get('after') || '',
    before: query.get('before') || '',
    from: Math.max(1, Number(query.get('from')) || 1),
  };
}

// The `users` filter and order of a list state (also used by the CSV export).
export function apiFilter(s) {
  const filter = {};
  if (s.q.trim()) filter.nameEmail = s.q.trim();
  if (s.statuses.length) filter.statuses = s.statuses;
  if (s.roles.length) filter.roles = s.roles;
  if (s.workspace) filter.workspaceIds = [s.workspace];
  if (s.cluster) filter.clusterIds = [s.cluster];
  if (s.partner) filter.partnerIds = [s.partner];
  return filter;
}

export function apiOrder(s) {
  return s.sort ? SORTS[s.sort].map((field) => ({ field, direction: s.dir })) : null;
}

function listHref(s, changes) {
  const next = { ...s, ...changes };
  return href('/admin/users', {
    portal: next.portal,
    q: next.q,
    status: next.statuses,
    role: next.roles,
    workspace: next.workspace,
    cluster: next.cluster,
    clusterName: next.cluster ? next.clusterName : '',
    partner: next.partner,
    partnerName: next.partner ? next.partnerName : '',
    sort: next.sort,
    dir: next.sort ? next.dir : '',
    size: next.size === 20 ? '' : next.size,
    after: next.after,
    before: next.before,
    from: next.from > 1 ? next.from : '',
  });
}

// Any change of filter, sort or size starts again at the first page.
const FIRST_PAGE = { after: '', before: '', from: 1 };

export function Users({ query }) {
  const viewer = useViewer();
  const s = listState(query, viewer.portals);
  if (!s.portal) {
    return html`<h1>Users</h1><${Notice}>You hold no role that lets you list users.
      <${Link} to="/admin/profile">See your roles</${Link}>.</${Notice}>`;
  }
  const update = (changes, replace = false) => navigate(listHref(s, { ...FIRST_PAGE, ...changes }), { replace });

  const variables = {
    portal: s.portal,
    filter: apiFilter(s),
    orderBy: apiOrder(s),
    ...(s.before ? { last: s.size, before: s.before } : { first: s.size, after: s.after || null }),
  };
  const { data, error, loading } = useQuery(USERS_PAGE, variables);
  const page = data?.users;
  // The moment the first page is on screen, for bench/console.py (navigation → visible).
  useEffect(() => {
    if (page && !loading && !performance.getEntriesByName('idm:users-visible').length) {
      performance.mark('idm:users-visible');
    }
  }, [page, loading]);

  return html`<div class="users">
    <div class="page-head">
      <h1>${PORTAL_LABELS[s.portal]} users</h1>
      <${Link} class="btn btn-primary" to=${href('/admin/users/new', { portal: s.portal })}>Add user</${Link}>
    </div>
    ${s.portal === 'IP' && html`<${AoNotice} onShow=${() => update({ roles: ['IP_AUTHORIZED_OFFICER'] })} />`}
    <${Filters} s=${s} update=${update} />
    <${ErrorNotice} error=${error} />
    ${loading && !page && html`<${Loading} what="Loading users" />`}
    ${page && html`
      <${Summary} s=${s} page=${page} loading=${loading} />
      <${Table} s=${s} page=${page} update=${update} />
      <${Pager} s=${s} page=${page} />
      <${ExportCsv} portal=${s.portal} filter=${apiFilter(s)} orderBy=${apiOrder(s)} total=${page.totalCount} />
    `}
  </div>`;
}

function AoNotice({ onShow }) {
  const [others, setOthers] = useState(false);
  useEffect(() => {
    let live = true;
    gqlRaw(OTHER_AUTHORIZED_OFFICERS)
      .then((r) => live && setOthers((r.data?.users?.nodes || []).length > 0))
      .catch(() => {});
    return () => { live = false; };
  }, []);
  if (!others) return null;
  return html`<${Notice}>There is at least one other authorized officer in your workspace(s).
    <button type="button" class="link" onClick=${onShow}>Show them</button></${Notice}>`;
}

function Summary({ s, page, loading }) {
  const shown = page.nodes.length;
  const text = shown === 0
    ? `No users match (${page.totalCount} in all).`
    : `${s.from}–${s.from + shown - 1} of ${page.totalCount}`;
  return html`<p class="summary" role="status" aria-live="polite" aria-busy=${loading ? 'true' : 'false'}>${text}</p>`;
}

function Filters({ s, update }) {
  const [q, setQ] = useState(s.q);
  useEffect(() => setQ(s.q), [s.q]);
  // Typing filters after a pause; the URL is replaced, not pushed, so back skips keystrokes.
  useEffect(() => {
    if (q === s.q) return undefined;
    const t = setTimeout(() => update({ q }, true), 300);
    return () => clearTimeout(t);
  }, [q]);
  const toggle = (list, value) => (list.includes(value) ? list.filter((x) => x !== value) : [...list, value]);
  const active = s.q || s.statuses.length || s.roles.length || s.workspace || s.cluster || s.partner;

  return html`<form class="filters" role="search" aria-label="Filter users" onSubmit=${(e) => { e.preventDefault(); update({ q }); }}>
    <${Field} label="Name or email">
      ${(p) => html`<input ...${p} type="search" name="q" value=${q} onInput=${(e) => setQ(e.currentTarget.value)} />`}
    </${Field}>
    <fieldset class="checks">
      <legend>Status</legend>
      ${STATUSES.map((st) => html`<label><input type="checkbox" name="status" value=${st}
        checked=${s.statuses.includes(st)} onChange=${() => update({ statuses: toggle(s.statuses, st) })} />
        ${STATUS_LABELS[st]}</label>`)}
    </fieldset>
    <${Field} label="Role">
      ${(p) => html`<select ...${p} name="role" value=${s.roles[0] || ''}
        onChange=${(e) => update({ roles: e.currentTarget.value ? [e.currentTarget.value] : [] })}>
        <option value="">Any role</option>
        ${PORTAL_ROLES[s.portal].map((r) => html`<option value=${r}>${ROLE_LABELS[r]}</option>`)}
      </select>`}
    </${Field}>
    ${s.portal === 'IP' && html`<${WorkspaceFilter} s=${s} update=${update} />`}
    ${s.portal === 'CLUSTER' && html`<${ClusterFilter} s=${s} update=${update} />`}
    ${s.portal === 'CLUSTER' && html`<${PartnerFilter} s=${s} update=${update} />`}
    <${Field} label="Per page">
      ${(p) => html`<select ...${p} name="size" value=${String(s.size)} onChange=${(e) => update({ size: Number(e.currentTarget.value) })}>
        ${PAGE_SIZES.map((n) => html`<option value=${String(n)}>${n}</option>`)}
      </select>`}
    </${Field}>
    ${active && html`<${Button} kind="secondary" onClick=${() => navigate(listHref(s, {
      ...FIRST_PAGE, q: '', statuses: [], roles: [], workspace: '', cluster: '', partner: '',
    }))}>Clear filters</${Button}>`}
  </form>`;
}

function WorkspaceFilter({ s, update }) {
  const { data } = useQuery(FILTER_WORKSPACES, {});
  const workspaces = data?.workspaces || [];
  if (workspaces.length < 2 && !s.workspace) return null;
  return html`<${Field} label="Workspace">
    ${(p) => html`<select ...${p} name="workspace" value=${s.workspace} onChange=${(e) => update({ workspace: e.currentTarget.value })}>
      <option value="">Any workspace</option>
      ${workspaces.map((w) => html`<option value=${w.id}>${w.title}</option>`)}
    </select>`}
  </${Field}>`;
}

// A text field with suggestions (a native datalist); choosing a suggestion sets the filter.
function Suggest({ label, name, chosen, suggestions, onText, onChoose, onClear }) {
  const [text, setText] = useState(chosen);
  useEffect(() => setText(chosen), [chosen]);
  const listId = `${name}-suggestions`;
  const input = (e) => {
    const value = e.currentTarget.value;
    setText(value);
    const hit = suggestions.find((x) => x.label === value);
    if (hit) onChoose(hit);
    else if (!value && chosen) onClear();
    else onText?.(value);
  };
  return html`<${Field} label=${label} hint=${chosen ? null : 'Type, then choose'}>
    ${(p) => html`<input ...${p} name=${name} list=${listId} value=${text} autocomplete="off" onInput=${input} />`}
  </${Field}>
  <datalist id=${listId}>${suggestions.map((x) => html`<option value=${x.label}></option>`)}</datalist>`;
}

function ClusterFilter({ s, update }) {
  const [clusters, setClusters] = useState(null);
  useEffect(() => {
    gqlRaw(FILTER_CLUSTERS).then((r) => setClusters(r.data?.assignableClusters ?? [])).catch(() => setClusters([]));
  }, []);
  const suggestions = useMemo(
    () => (clusters || []).map((c) => ({ id: c.id, label: c.fullTitle })),
    [clusters],
  );
  if (clusters && clusters.length === 0 && !s.cluster) return null;
  return html`<${Suggest} label="Cluster" name="cluster" chosen=${s.clusterName} suggestions=${suggestions}
    onChoose=${(c) => update({ cluster: c.id, clusterName: c.label })} onClear=${() => update({ cluster: '' })} />`;
}

function PartnerFilter({ s, update }) {
  const [partners, setPartners] = useState([]);
  const [text, setText] = useState('');
  useEffect(() => {
    let live = true;
    const t = setTimeout(() => {
      gql(FILTER_PARTNERS, { title: text || null })
        .then((d) => live && setPartners(d.partners.nodes))
        .catch(() => live && setPartners([]));
    }, text ? 250 : 0);
    return () => { live = false; clearTimeout(t); };
  }, [text]);
  // A requester that sees one partner or none has nothing to choose between.
  if (!text && partners.length < 2 && !s.partner) return null;
  const suggestions = partners.map((p) => ({ id: p.id, label: p.title }));
  return html`<${Suggest} label="Partner" name="partner" chosen=${s.partnerName} suggestions=${suggestions}
    onText=${setText} onChoose=${(p) => update({ partner: p.id, partnerName: p.label })} onClear=${() => update({ partner: '' })} />`;
}

function SortHeader({ s, column, label, update }) {
  const sorted = s.sort === column;
  const dir = sorted && s.dir === 'ASC' ? 'DESC' : 'ASC';
  const ariaSort = sorted ? (s.dir === 'ASC' ? 'ascending' : 'descending') : undefined;
  return html`<th scope="col" aria-sort=${ariaSort}>
    <button type="button" class="sort" onClick=${() => update({ sort: column, dir })}>
      ${label}<span aria-hidden="true">${sorted ? (s.dir === 'ASC' ? ' ▲' : ' ▼') : ''}</span>
    </button>
  </th>`;
}

function Roles({ roles, incomplete, portal }) {
  if (incomplete) return html`<span class="chip chip-incomplete">No roles</span>`;
  if (!roles.length) return html`<span class="muted">No ${PORTAL_LABELS[portal]} roles</span>`;
  return html`<ul class="plain roles">${roles.map((r) => html`<li class=${r.isActive ? '' : 'inactive'}>
    ${r.roleDisplay} <span class="muted">· ${scopeLabel(r)}</span>${r.isActive ? '' : html` <span class="chip">inactive</span>`}
  </li>`)}</ul>`;
}

function Table({ s, page, update }) {
  if (!page.nodes.length) return null;
  return html`<div class="table-wrap"><table class="list">
    <thead><tr>
      <${SortHeader} s=${s} column="name" label="Name" update=${update} />
      <${SortHeader} s=${s} column="email" label="Email" update=${update} />
      ${s.portal === 'CLUSTER' && html`<${SortHeader} s=${s} column="partner" label="Partner" update=${update} />`}
      <th scope="col">Roles</th>
      <${SortHeader} s=${s} column="status" label="Status" update=${update} />
      <${SortHeader} s=${s} column="lastLogin" label="Last sign-in" update=${update} />
    </tr></thead>
    <tbody>${page.nodes.map((u) => html`<tr key=${u.id} class=${u.isIncomplete ? 'incomplete' : ''}>
      <td data-label="Name"><${Link} to=${href(`/admin/users/${encodeURIComponent(u.id)}`, { portal: s.portal })}>${u.fullName}</${Link}>
        ${u.position && html`<div class="muted">${u.position}</div>`}</td>
      <td data-label="Email">${u.email}</td>
      ${s.portal === 'CLUSTER' && html`<td data-label="Partner">${u.partner?.title ?? '—'}</td>`}
      <td data-label="Roles"><${Roles} roles=${u.roles} incomplete=${u.isIncomplete} portal=${s.portal} /></td>
      <td data-label="Status"><${StatusChip} status=${u.status} /></td>
      <td data-label="Last sign-in">${formatDateTime(u.lastLogin)}</td>
    </tr>`)}</tbody>
  </table></div>`;
}

function Pager({ s, page }) {
  const { pageInfo } = page;
  // Coming back with `before`, hasNextPage is not computed by the API: the page we came from exists.
  const hasNext = s.before ? true : pageInfo.hasNextPage;
  const hasPrev = s.before ? pageInfo.hasPreviousPage : s.from > 1 || pageInfo.hasPreviousPage;
  const prev = listHref(s, { after: '', before: pageInfo.startCursor, from: Math.max(1, s.from - s.size) });
  const next = listHref(s, { before: '', after: pageInfo.endCursor, from: s.from + s.size });
  return html`<nav class="pager" aria-label="Pages">
    ${hasPrev ? html`<${Link} class="btn btn-secondary" to=${prev} rel="prev">← Previous</${Link}>`
    : html`<span class="btn btn-secondary" aria-disabled="true">← Previous</span>`}
    ${hasNext && page.nodes.length ? html`<${Link} class="btn btn-secondary" to=${next} rel="next">Next →</${Link}>`
    : html`<span class="btn btn-secondary" aria-disabled="true">Next →</span>`}
  </nav>`;
}
