// One user: details, activation, roles with the actions the API offers, and the history.
import { html, useState, useEffect, useRef } from '../lib.js';
import {
  USER_DETAIL, USER_DETAIL_UPDATE, USER_DETAIL_SET_ACTIVE, USER_DETAIL_UPDATE_ROLE,
  USER_DETAIL_DELETE_ROLE,
} from '../ops.js';
import { errorsByField } from '../api.js';
import { navigate, href, Link, userPath } from '../router.js';
import { useViewer } from '../viewer.js';
import {
  ROLE_LABELS, PORTALS, PORTAL_LABELS, USER_TYPE_LABELS, formatDateTime, scopeLabel,
} from '../labels.js';
import {
  useQuery, useMutation, gql, Field, Notice, ErrorNotice, PayloadErrors, Loading, StatusChip, Button, Confirm, asErrors,
  errorLine, heads, facts,
} from '../ui.js';
import { Diff, useEvents } from '../events.js';
import { AddRoles } from './add-roles.js';

export function UserDetail({ params: { id }, query }) {
  const viewer = useViewer();
  const portal = PORTALS.includes(query.get('portal')) ? query.get('portal') : viewer.portals[0] || 'CLUSTER';
  const isNew = query.get('new') === '1';
  const { data, error, loading, reload, round } = useQuery(USER_DETAIL, { id });
  const [notice, setNotice] = useState(null); // a success sentence, or payload errors
  const [adding, setAdding] = useState(false);
  const rolesHead = useRef(null);
  const refocus = useRef(false);
  useEffect(() => { setNotice(null); setAdding(false); }, [id]);
  // A deleted row takes its focus with it: focus the roles heading once the user is read again.
  useEffect(() => {
    if (refocus.current && !loading) { refocus.current = false; rolesHead.current?.focus(); }
  }, [data, loading]);

  const path = userPath(id);
  const here = (changes) => href(path, { portal: query.get('portal'), ...changes });
  const done = (text) => { setNotice(text); reload(); };
  const list = viewer.portals.includes(portal) ? portal : viewer.portals[0];
  const back = html`<p class="back">${list
    ? html`<${Link} to=${href('/admin/users', { portal: list })}>← ${PORTAL_LABELS[list]} users</${Link}>`
    : html`<${Link} to="/admin/profile">← My profile</${Link}>`}</p>`;

  const user = data?.user;
  if (loading && !data) return html`${back}<${Loading} what="Loading the user" />`;
  if (error?.code === 'BAD_USER_INPUT' || (data && !user)) {
    return html`${back}<h1>User not found</h1>
      <${Notice} kind="warning">This user does not exist or is not visible to you.</${Notice}>`;
  }
  if (error) return html`${back}<${ErrorNotice} error=${error} />`;

  const open = adding || isNew || user.isIncomplete;
  const dropNew = () => navigate(here({}), { replace: true });
  return html`<div class="user-detail">
    ${back}
    <div class="page-head">
      <h1>${user.fullName} <${StatusChip} status=${user.status} /></h1>
      <div class="head-actions">
        <${Link} class="btn btn-secondary" to=${href(`${path}/grant`, { portal: query.get('portal') })}>What can I grant</${Link}>
        ${user.viewerCanSetActive && html`<${SetActive} user=${user} onDone=${done} onError=${setNotice} />`}
      </div>
    </div>
    ${isNew && html`<${Notice} kind="success" onClose=${dropNew}>User created — now give them roles.</${Notice}>`}
    ${typeof notice === 'string' && html`<${Notice} kind="success" onClose=${() => setNotice(null)}>${notice}</${Notice}>`}
    ${Array.isArray(notice) && html`<${PayloadErrors} errors=${notice} />`}
    <${Details} user=${user} onDone=${done} />
    <section aria-labelledby="roles-head">
      <h2 id="roles-head" ref=${rolesHead} tabindex="-1">Roles</h2>
      ${!user.roles.length && html`<p class="muted">${user.fullName} holds no roles yet.</p>`}
      ${[portal, ...PORTALS.filter((p) => p !== portal)].map((p) => html`<${RolesTable} key=${p} portal=${p}
        roles=${user.roles.filter((r) => r.portal === p)} user=${user} onDone=${done} onGone=${() => { refocus.current = true; }} />`)}
    </section>
    <section class="card add-roles-card" aria-labelledby="add-head">
      <div class="section-head">
        <div class="title-group">
          <h2 id="add-head">Add ${PORTAL_LABELS[portal]} roles</h2>
          <span class="portal-tabs" role="group" aria-label="Portal of the roles to add">
            ${PORTALS.map((p) => html`<${Link} to=${here({ portal: p, new: isNew ? 1 : '' })}
              aria-current=${p === portal ? 'true' : undefined}>${PORTAL_LABELS[p]}</${Link}>`)}
          </span>
        </div>
        ${!open && html`<${Button} kind="secondary" onClick=${() => setAdding('focus')}>Add roles</${Button}>`}
      </div>
      ${open && html`<${AddRoles} user=${user} portal=${portal} autoFocus=${isNew || adding === 'focus'}
        onAdded=${() => { done(null); setAdding(true); if (isNew) dropNew(); }} />`}
    </section>
    <section aria-labelledby="history-head">
      <h2 id="history-head">History</h2>
      <${Timeline} subjectId=${id} version=${round} />
    </section>
  </div>`;
}

function SetActive({ user, onDone, onError }) {
  const [open, setOpen] = useState(false);
  const { run, busy } = useMutation(USER_DETAIL_SET_ACTIVE, 'setUserActive');
  const on = !user.isActive;
  const verb = on ? 'Activate' : 'Deactivate';
  const kind = on ? 'primary' : 'danger';
  const confirm = async () => {
    try {
      const { errors } = await run({ input: { id: user.id, isActive: on } });
      if (errors.length) onError(errors);
      else onDone(`${user.fullName} was ${on ? 'activated' : 'deactivated'}.`);
    } catch (e) {
      onError(asErrors(e));
    }
    setOpen(false);
  };
  return html`<${Button} kind=${kind} onClick=${() => setOpen(true)}>${verb}</${Button}>
    <${Confirm} open=${open} title=${`${verb} ${user.fullName}?`} confirmLabel=${verb} kind=${kind}
      busy=${busy} onConfirm=${confirm} onCancel=${() => setOpen(false)}>
      <p>${on ? `${user.fullName} will be able to sign in again, and their roles will count again.`
    : `${user.fullName} will not be able to sign in, and their roles grant nothing until activated again. The roles are kept.`}</p>
    </${Confirm}>`;
}

function Details({ user, onDone }) {
  const [editing, setEditing] = useState(false);
  useEffect(() => setEditing(false), [user.id]);
  return html`<section class="card" aria-labelledby="details-head">
    <div class="section-head">
      <h2 id="details-head">Details</h2>
      ${user.viewerCanUpdate && !editing && html`<${Button} kind="secondary" onClick=${() => setEditing(true)}>Edit name and position</${Button}>`}
    </div>
    ${editing && html`<${EditForm} user=${user} onClose=${() => setEditing(false)} onDone=${(t) => { setEditing(false); onDone(t); }} />`}
    ${facts([
      ['Email', user.email],
      ['Position', user.position || '—'],
      ['Partner', user.partner?.title ?? '—'],
      ['User type', USER_TYPE_LABELS[user.userType] ?? '—'],
      ['Last sign-in', user.lastLogin ? formatDateTime(user.lastLogin) : 'Never'],
      ['Created', formatDateTime(user.createdAt)],
    ])}
  </section>`;
}

const NAMES = [['firstName', 'First name'], ['lastName', 'Last name', 'May be empty'], ['position', 'Position', 'Empty clears it']];

function EditForm({ user, onClose, onDone }) {
  const [v, setV] = useState({ firstName: user.firstName, lastName: user.lastName, position: user.position || '' });
  const [errors, setErrors] = useState([]);
  const [failure, setFailure] = useState(null);
  const { run, busy } = useMutation(USER_DETAIL_UPDATE, 'updateUser');
  const first = useRef(null);
  useEffect(() => first.current?.focus(), []);
  const byField = errorsByField(errors);
  const submit = async (e) => {
    e.preventDefault();
    setFailure(null);
    const input = { id: user.id };
    for (const [k] of NAMES) if (v[k] !== (user[k] || '')) input[k] = v[k];
    if (Object.keys(input).length === 1) { onClose(); return; }
    try {
      const payload = await run({ input });
      setErrors(payload.errors);
      if (!payload.errors.length) onDone('The details were saved.');
    } catch (err) {
      setFailure(err);
    }
  };
  return html`<form class="edit-user" onSubmit=${submit} noValidate>
    <div class="form-grid">${NAMES.map(([k, label, hint], i) => html`<${Field} label=${label} hint=${hint} errors=${byField[`input.${k}`]}>
      ${(p) => html`<input ...${p} ref=${i ? null : first} name=${k} value=${v[k]} maxlength="64"
        onInput=${(e) => { const x = e.currentTarget.value; setV((o) => ({ ...o, [k]: x })); }} />`}
    </${Field}>`)}</div>
    <${PayloadErrors} errors=${errors} shown=${NAMES.map(([k]) => `input.${k}`)} />
    <${ErrorNotice} error=${failure} />
    <div class="actions">
      <${Button} kind="secondary" onClick=${onClose} disabled=${busy}>Cancel</${Button}>
      <${Button} type="submit" busy=${busy}>Save</${Button}>
    </div>
  </form>`;
}

function RolesTable({ portal, roles, user, onDone, onGone }) {
  if (!roles.length) return null;
  const scope = portal === 'IP' ? 'Workspace' : 'Cluster';
  return html`<h3>${PORTAL_LABELS[portal]} roles</h3>
    <div class="table-wrap"><table class="list roles-table">
      ${heads(['Role', scope, 'State', 'Change to', 'Actions'])}
      <tbody>${roles.map((r) => html`<${RoleRow} key=${r.id} role=${r} scope=${scope} user=${user} onDone=${onDone} onGone=${onGone} />`)}</tbody>
    </table></div>`;
}

function RoleRow({ role, scope, user, onDone, onGone }) {
  const [to, setTo] = useState('');
  const [errors, setErrors] = useState([]);
  const [busy, setBusy] = useState('');
  const [confirming, setConfirming] = useState(false);
  const where = scopeLabel(role);
  const what = `${role.roleDisplay} in ${where}`;
  const act = async (kind, op, field, input, success) => {
    setBusy(kind);
    setErrors([]);
    try {
      const payload = (await gql(op, { input }))[field];
      setErrors(payload.errors);
      if (!payload.errors.length) {
        setTo('');
        onDone(success);
        if (kind === 'delete') onGone();
      }
    } catch (e) {
      setErrors(asErrors(e));
    }
    setConfirming(false);
    setBusy('');
  };
  const change = (e) => {
    e.preventDefault();
    if (!to) setErrors([{ message: 'Choose the new role first.', code: 'VALIDATION' }]);
    else act('change', USER_DETAIL_UPDATE_ROLE, 'updateRole', { id: role.id, role: to }, `${user.fullName} is now ${ROLE_LABELS[to] ?? to} in ${where}.`);
  };
  const flip = role.isActive ? 'Deactivate' : 'Activate';
  const toggle = () => act('toggle', USER_DETAIL_UPDATE_ROLE, 'updateRole', { id: role.id, isActive: !role.isActive },
    `${what} was ${role.isActive ? 'deactivated' : 'activated'}.`);
  const remove = () => act('delete', USER_DETAIL_DELETE_ROLE, 'deleteRole', { id: role.id }, `${what} was removed.`);
  const can = role.viewerCanChangeTo.length || role.viewerCanToggle || role.viewerCanDelete;

  return html`<tr class=${role.isActive ? '' : 'inactive-role'} data-id=${role.id}>
    <td data-label="Role"><strong>${role.roleDisplay}</strong></td>
    <td data-label=${scope}>${where}</td>
    <td data-label="State"><span class=${`chip chip-${role.isActive ? 'active' : 'deactivated'}`}>${role.isActive ? 'Active' : 'Inactive'}</span></td>
    <td data-label="Change to">${role.viewerCanChangeTo.length ? html`<form class="change-to" onSubmit=${change}>
      <select name="to" aria-label=${`Change ${what} to`} value=${to} onChange=${(e) => setTo(e.currentTarget.value)}>
        <option value="">Choose…</option>
        ${role.viewerCanChangeTo.map((t) => html`<option value=${t}>${ROLE_LABELS[t] ?? t}</option>`)}
      </select>
      <${Button} type="submit" kind="secondary" busy=${busy === 'change'} disabled=${!!busy} aria-label=${`Change ${what}`}>Change</${Button}>
    </form>` : html`<span class="muted">—</span>`}</td>
    <td data-label="Actions"><div class="row-actions">
      ${role.viewerCanToggle && html`<${Button} kind="secondary" busy=${busy === 'toggle'} disabled=${!!busy} onClick=${toggle}
        aria-label=${`${flip} ${what}`}>${flip}</${Button}>`}
      ${role.viewerCanDelete && html`<${Button} kind="danger" disabled=${!!busy} onClick=${() => setConfirming(true)}
        aria-label=${`Delete ${what}`}>Delete</${Button}>`}
      ${!can && html`<span class="muted">No action for you</span>`}
    </div>
    ${errors.length > 0 && html`<p class="error-text" role="alert">${errorLine(errors)}</p>`}
    ${role.viewerCanDelete && html`<${Confirm} open=${confirming} title="Delete this role?" confirmLabel="Delete role"
      busy=${busy === 'delete'} onConfirm=${remove} onCancel=${() => setConfirming(false)}>
      <p>${user.fullName} will no longer be ${what}.</p>
    </${Confirm}>`}</td>
  </tr>`;
}

function Timeline({ subjectId, version }) {
  const { nodes, pageInfo, totalCount, loading, error, more } = useEvents({ subjectId }, 20, version);
  return html`<div class="timeline">
    <${ErrorNotice} error=${error} />
    ${!pageInfo && loading && html`<${Loading} what="Loading the history" />`}
    ${pageInfo && html`<p class="summary">${nodes.length ? `${nodes.length} of ${totalCount} events` : 'No recorded changes.'}</p>`}
    <ol class="events">${nodes.map((ev) => html`<${Event} key=${ev.id} ev=${ev} />`)}</ol>
    ${pageInfo?.hasNextPage && html`<div class="actions"><${Button} kind="secondary" busy=${loading}
      onClick=${more}>Load more</${Button}></div>`}
  </div>`;
}

function Event({ ev }) {
  const role = (ev.after || ev.before)?.role;
  return html`<li>
    <div class="event-head">
      <time datetime=${ev.at}>${formatDateTime(ev.at)}</time>
      <span class="actor">${ev.actor ? ev.actor.fullName : html`<em>import</em>`}</span>
      <code>${ev.action}</code>
      ${role && html`<span class="muted">${ROLE_LABELS[role] ?? role}</span>`}
    </div>
    <${Diff} before=${ev.before} after=${ev.after} />
  </li>`;
}
