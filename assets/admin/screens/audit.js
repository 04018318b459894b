// The audit log: events newest first, filtered by action, actor, subject or object.
import { html, useState, useEffect, useRef } from '../lib.js';
import { AUDIT_USER, AUDIT_FIND_USERS } from '../ops.js';
import { navigate, href, Link, userPath, partnerPath } from '../router.js';
import { useViewer, holds } from '../viewer.js';
import { formatDateTime } from '../labels.js';
import {
  gql, useQuery, useLoad, Field, ErrorNotice, Loading, Button, TextPicker,
} from '../ui.js';
import { Diff, useEvents } from '../events.js';

const PAGE = 25;

// The actions of AuditEvent.action's documentation in schema.graphql.
export const ACTION_LABELS = {
  'user.create': 'User created',
  'user.update': 'User changed',
  'user.activate': 'User activated',
  'user.deactivate': 'User deactivated',
  'role.create': 'Role granted',
  'role.update': 'Role changed',
  'role.delete': 'Role removed',
  'partner.create': 'Partner created',
  'partner.update': 'Partner changed',
  'workspace.create': 'Workspace created',
  'response_plan.create': 'Response plan created',
  'cluster.create': 'Cluster created',
};
const ACTIONS = Object.keys(ACTION_LABELS);
const GROUPS = [
  ['Any user event', ACTIONS.filter((a) => a.startsWith('user.'))],
  ['Any role event', ACTIONS.filter((a) => a.startsWith('role.'))],
];

function auditState(query) {
  return {
    actions: query.getAll('action').filter((a) => ACTIONS.includes(a)),
    actor: query.get('actor') || '',
    subject: query.get('subject') || '',
    target: query.get('target') || '',
  };
}

function auditHref(s, changes) {
  const n = { ...s, ...changes };
  return href('/admin/audit', { action: n.actions, actor: n.actor, subject: n.subject, target: n.target });
}

function apiFilter(s) {
  const f = {};
  if (s.actions.length) f.actions = s.actions;
  if (s.actor) f.actorId = s.actor;
  if (s.subject) f.subjectId = s.subject;
  if (s.target) f.targetId = s.target;
  return f;
}

export function AuditLog({ query }) {
  const { me, portals } = useViewer();
  const s = auditState(query);
  const update = (changes) => navigate(auditHref(s, changes));
  const filter = apiFilter(s);
  const list = useEvents(filter, PAGE);

  // After "Load more", the keyboard focus goes to the first event of the new page.
  const focusFrom = useRef(null);
  const listEl = useRef(null);
  useEffect(() => {
    const at = focusFrom.current;
    if (at == null || list.loading) return;
    focusFrom.current = null;
    listEl.current?.children[at]?.focus();
  }, [list.nodes.length, list.loading]);
  const more = () => {
    focusFrom.current = list.nodes.length;
    list.more();
  };

  const csa = holds(me, 'CLUSTER_SYSTEM_ADMIN');
  const userPortal = portals[0];
  return html`<div class="audit">
    <h1>Audit log</h1>
    ${!csa && html`<p class="hint">You see the events you performed, and those about users you can see now.</p>`}
    <${Filters} s=${s} me=${me} portal=${userPortal} update=${update} />
    <${ErrorNotice} error=${list.error} />
    ${list.loading && !list.pageInfo && html`<${Loading} what="Loading events" />`}
    ${list.pageInfo && html`
      <p class="summary" role="status" aria-live="polite" aria-busy=${list.loading ? 'true' : 'false'}>
        ${list.totalCount === 0 ? 'No events match.' : `${list.nodes.length} of ${list.totalCount} ${list.totalCount === 1 ? 'event' : 'events'}, newest first`}
      </p>
      <ol class="plain audit-events" ref=${listEl}>${list.nodes.map((e) => html`<${AuditItem} key=${e.id} e=${e} portal=${userPortal}
        only=${s.target === e.targetId} onTarget=${(target) => update({ target })} />`)}</ol>
      ${list.pageInfo.hasNextPage && html`<div class="pager">
        <${Button} kind="secondary" busy=${list.loading} onClick=${more}>Load more</${Button}>
      </div>`}`}
  </div>`;
}

function Filters({ s, me, portal, update }) {
  const byMe = s.actor === me.id;
  const value = s.actions.join(',');
  const known = ACTIONS.includes(value) || GROUPS.some(([, list]) => list.join(',') === value);
  const active = s.actions.length || s.actor || s.subject || s.target;
  return html`<form class="filters" role="search" aria-label="Filter events" onSubmit=${(e) => e.preventDefault()}>
    <${Field} label="Action">
      ${(p) => html`<select ...${p} name="action" value=${value}
        onChange=${(e) => update({ actions: e.currentTarget.value ? e.currentTarget.value.split(',') : [] })}>
        <option value="">Any action</option>
        ${!known && value && html`<option value=${value}>${s.actions.length} actions</option>`}
        ${GROUPS.map(([label, list]) => html`<option value=${list.join(',')}>${label}</option>`)}
        ${ACTIONS.map((a) => html`<option value=${a}>${ACTION_LABELS[a]} (${a})</option>`)}
      </select>`}
    </${Field}>
    ${[['actor', 'Actor (who did it)'], ['subject', 'Subject (whom it is about)']].map(([name, label]) => html`<${UserPick}
      label=${label} name=${name} id=${s[name]} me=${me} portal=${portal} onChoose=${(id) => update({ [name]: id })} />`)}
    ${s.target && html`<div class="field">
      <span class="label-like">Object</span>
      <span><code>${s.target}</code> <button type="button" class="link" onClick=${() => update({ target: '' })}>Remove</button></span>
    </div>`}
    <div class="field filter-buttons">
      <${Button} kind="secondary" aria-pressed=${byMe ? 'true' : 'false'}
        onClick=${() => update({ actor: byMe ? '' : me.id })}>Events by me</${Button}>
      ${active && html`<${Button} kind="secondary" onClick=${() => update({ actions: [], actor: '', subject: '', target: '' })}>Clear filters</${Button}>`}
    </div>
  </form>`;
}

// A user filter: the chosen one with a remove button, else a search in the first portal.
function UserPick({ label, name, id, me, portal, onChoose }) {
  if (id) return html`<${Picked} label=${label} name=${name} id=${id} me=${me} onClear=${() => onChoose('')} />`;
  if (!portal) return null;
  return html`<${UserSearch} label=${label} name=${name} portal=${portal} onChoose=${onChoose} />`;
}

function Picked({ label, name, id, me, onClear }) {
  const who = useQuery(AUDIT_USER, { id });
  const u = id === me.id ? me : who.data?.user;
  const text = u ? `${u.fullName} <${u.email}>` : (who.loading ? '…' : 'a user you cannot see');
  return html`<div class="field picked">
    <span class="label-like">${label}</span>
    <span>${text} <button type="button" class="link" aria-label=${`Remove the ${name} filter`} onClick=${onClear}>Remove</button></span>
  </div>`;
}

function UserSearch({ label, name, portal, onChoose }) {
  const [text, setText] = useState('');
  const q = text.trim();
  const find = () => gql(AUDIT_FIND_USERS, { portal, q })
    .then((d) => d.users.nodes.map((u) => ({ id: u.id, label: `${u.fullName} <${u.email}>` })));
  const options = useLoad(() => (q ? find() : Promise.resolve([])), [text, portal], [], q ? 250 : 0);
  return html`<${TextPicker} label=${label} name=${name} text=${text} options=${options}
    hint="Type a name or email, then choose" onText=${setText} onPick=${(o) => o && onChoose(o.id)} />`;
}

function UserLink({ user, portal }) {
  if (!user) return html`<span class="muted">—</span>`;
  return html`<${Link} to=${href(userPath(user.id), { portal })}>${user.fullName}</${Link}>`;
}

function AuditItem({ e, portal, only, onTarget }) {
  return html`<li class="card audit-event" tabindex="-1">
    <div class="audit-head">
      <time datetime=${e.at}>${formatDateTime(e.at)}</time>
      <span class="audit-action"><strong>${ACTION_LABELS[e.action] ?? e.action}</strong> <code class="muted">${e.action}</code></span>
    </div>
    <dl class="facts audit-facts">
      <dt>By</dt>
      <dd>${e.actor ? html`<${UserLink} user=${e.actor} portal=${portal} />` : html`<span class="muted">the command line (import)</span>`}</dd>
      <dt>About</dt>
      <dd><${UserLink} user=${e.subject} portal=${portal} /></dd>
      <dt>Object</dt>
      <dd>${e.targetType === 'Partner'
        ? html`<${Link} to=${partnerPath(e.targetId)}>Partner</${Link}>`
        : e.targetType} <span class="muted">${e.targetId}</span>
        ${!only && html` <button type="button" class="link" onClick=${() => onTarget(e.targetId)}>Only this object</button>`}</dd>
    </dl>
    <div class="audit-diff"><${Diff} before=${e.before} after=${e.after} /></div>
  </li>`;
}
