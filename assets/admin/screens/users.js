// The users list of one portal: filters, sort and pages, all in the URL.
import { html, useState, useEffect } from '../lib.js';
import {
  USERS_PAGE, OTHER_AUTHORIZED_OFFICERS, WORKSPACES, FILTER_PARTNERS,
} from '../ops.js';
import { href, Link, userPath } from '../router.js';
import { useViewer } from '../viewer.js';
import {
  ROLE_LABELS, PORTAL_ROLES, PORTAL_LABELS, STATUS_LABELS, formatDateTime,
} from '../labels.js';
import {
  useQuery, useLoad, gql, gqlRaw, Select, Notice, ErrorNotice, Loading, StatusChip, RoleList, noRole,
} from '../ui.js';
import {
  pageState, pageQuery, updater, orderOf, pageVariables, HeadRow, Summary, Pager, ListFilters, Pick, ClusterFilter,
} from '../list.js';
import { ExportCsv } from '../export.js';

const STATUSES = Object.keys(STATUS_LABELS);
// Column sorts: a column may sort by more than one key (name: last, then first).
const SORTS = {
  name: ['LAST_NAME', 'FIRST_NAME'],
  email: 'EMAIL',
  partner: 'PARTNER',
  status: 'STATUS',
  lastLogin: 'LAST_LOGIN',
};

export function listState(query, portals) {
  const portal = portals.includes(query.get('portal')) ? query.get('portal') : portals[0];
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
    ...pageState(query, SORTS),
  };
}

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

function listHref(s, changes) {
  const n = { ...s, ...changes };
  return href('/admin/users', {
    portal: n.portal,
    q: n.q,
    status: n.statuses,
    role: n.roles,
    workspace: n.workspace,
    cluster: n.cluster,
    clusterName: n.cluster ? n.clusterName : '',
    partner: n.partner,
    partnerName: n.partner ? n.partnerName : '',
    ...pageQuery(n),
  });
}

export function Users({ query }) {
  const viewer = useViewer();
  const s = listState(query, viewer.portals);
  if (!s.portal) return noRole('Users', 'list');
  const hrefOf = (changes) => listHref(s, changes);
  const update = updater(hrefOf);

  const variables = { portal: s.portal, filter: apiFilter(s), orderBy: orderOf(s, SORTS), ...pageVariables(s) };
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
      <${Summary} s=${s} page=${page} loading=${loading} noun="users" />
      <${Table} s=${s} page=${page} update=${update} />
      <${Pager} s=${s} page=${page} hrefOf=${hrefOf} />
      <${ExportCsv} portal=${s.portal} filter=${variables.filter} orderBy=${variables.orderBy} total=${page.totalCount} />
    `}
  </div>`;
}

function AoNotice({ onShow }) {
  const others = useLoad(() => gqlRaw(OTHER_AUTHORIZED_OFFICERS)
    .then((r) => (r.data?.users?.nodes || []).length > 0), [], false);
  if (!others) return null;
  return html`<${Notice}>There is at least one other authorized officer in your workspace(s).
    <button type="button" class="link" onClick=${onShow}>Show them</button></${Notice}>`;
}

function Filters({ s, update }) {
  const toggle = (list, value) => (list.includes(value) ? list.filter((x) => x !== value) : [...list, value]);
  return html`<${ListFilters} s=${s} update=${update} label="Filter users" search="Name or email"
    active=${s.q || s.statuses.length || s.roles.length || s.workspace || s.cluster || s.partner}
    clear=${{ q: '', statuses: [], roles: [], workspace: '', cluster: '', partner: '' }}>
    <fieldset class="checks">
      <legend>Status</legend>
      ${STATUSES.map((st) => html`<label><input type="checkbox" name="status" value=${st}
        checked=${s.statuses.includes(st)} onChange=${() => update({ statuses: toggle(s.statuses, st) })} />
        ${STATUS_LABELS[st]}</label>`)}
    </fieldset>
    <${Select} label="Role" name="role" value=${s.roles[0] || ''} empty="Any role"
      options=${PORTAL_ROLES[s.portal].map((r) => [r, ROLE_LABELS[r]])} onChange=${(r) => update({ roles: r ? [r] : [] })} />
    ${s.portal === 'IP' && html`<${WorkspaceFilter} s=${s} update=${update} />`}
    ${s.portal === 'CLUSTER' && html`<${ClusterFilter} s=${s} update=${update} early />`}
    ${s.portal === 'CLUSTER' && html`<${PartnerFilter} s=${s} update=${update} />`}
  </${ListFilters}>`;
}

function WorkspaceFilter({ s, update }) {
  const { data } = useQuery(WORKSPACES, {});
  const workspaces = data?.workspaces || [];
  if (workspaces.length < 2 && !s.workspace) return null;
  return html`<${Select} label="Workspace" name="workspace" value=${s.workspace} empty="Any workspace"
    options=${workspaces.map((w) => [w.id, w.title])} onChange=${(workspace) => update({ workspace })} />`;
}

function PartnerFilter({ s, update }) {
  const [text, setText] = useState('');
  const partners = useLoad(() => gql(FILTER_PARTNERS, { title: text || null })
    .then((d) => d.partners.nodes.map((p) => ({ id: p.id, label: p.title }))), [text], [], text ? 250 : 0);
  // A requester that sees one partner or none has nothing to choose between.
  if (!text && partners.length < 2 && !s.partner) return null;
  return html`<${Pick} label="Partner" name="partner" chosen=${s.partnerName} options=${partners} onText=${setText}
    onChoose=${(p) => update({ partner: p.id, partnerName: p.label })} onClear=${() => update({ partner: '' })} />`;
}

function Roles({ roles, incomplete, portal }) {
  if (incomplete) return html`<span class="chip chip-incomplete">No roles</span>`;
  if (!roles.length) return html`<span class="muted">No ${PORTAL_LABELS[portal]} roles</span>`;
  return html`<${RoleList} roles=${roles} />`;
}

function Table({ s, page, update }) {
  if (!page.nodes.length) return null;
  const cluster = s.portal === 'CLUSTER';
  return html`<div class="table-wrap"><table class="list">
    <${HeadRow} s=${s} update=${update} columns=${[['name', 'Name'], ['email', 'Email'], cluster && ['partner', 'Partner'],
      ['', 'Roles'], ['status', 'Status'], ['lastLogin', 'Last sign-in']].filter(Boolean)} />
    <tbody>${page.nodes.map((u) => html`<tr key=${u.id} class=${u.isIncomplete ? 'incomplete' : ''}>
      <td data-label="Name"><${Link} to=${href(userPath(u.id), { portal: s.portal })}>${u.fullName}</${Link}>
        ${u.position && html`<div class="muted">${u.position}</div>`}</td>
      <td data-label="Email">${u.email}</td>
      ${cluster && html`<td data-label="Partner">${u.partner?.title ?? '—'}</td>`}
      <td data-label="Roles"><${Roles} roles=${u.roles} incomplete=${u.isIncomplete} portal=${s.portal} /></td>
      <td data-label="Status"><${StatusChip} status=${u.status} /></td>
      <td data-label="Last sign-in">${formatDateTime(u.lastLogin)}</td>
    </tr>`)}</tbody>
  </table></div>`;
}
