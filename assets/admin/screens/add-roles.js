// Giving a user roles: rows of (scope, role) as assignableRoles allows, in one createRoles.
import { html, useState, useEffect, useRef } from '../lib.js';
import { WORKSPACES, CLUSTERS, ADD_ROLES_ASSIGNABLE, ADD_ROLES_CREATE } from '../ops.js';
import { ROLE_LABELS, scopeLabel } from '../labels.js';
import {
  gql, gqlRaw, useMutation, useId, Field, Select, Notice, ErrorNotice, PayloadErrors, Loading, Button, errorLine,
} from '../ui.js';

const CSA = '*'; // the scope-less Cluster System Admin entry
const CSA_LABEL = 'Everywhere (Cluster System Admin)';
const BIG = 30; // more clusters than this: a text picker, not a <select>
let rowKey = 0;
const newRow = () => ({ key: (rowKey += 1), scope: '', text: '', role: '' });

// The portal's scopes ({ id, label }), and whether the guard allows the scope-less CSA role.
function useScopes(userId, portal, round) {
  const [state, setState] = useState({ loading: true, scopes: [] });
  useEffect(() => {
    let live = true;
    const ip = portal === 'IP';
    setState({ loading: true, scopes: [] });
    Promise.all([
      gqlRaw(ip ? WORKSPACES : CLUSTERS),
      ip ? null : gqlRaw(ADD_ROLES_ASSIGNABLE, { userId }),
    ]).then(([list, csa]) => {
      if (!live) return;
      const err = list.errors[0];
      const code = err?.extensions?.code;
      const seen = new Set();
      const scopes = ((ip ? list.data?.workspaces : list.data?.assignableClusters) || []).map((s) => {
        let label = s.title ?? s.fullTitle;
        if (seen.has(label)) label += ` · ${s.id}`;
        seen.add(label);
        return { id: s.id, label };
      });
      setState({
        scopes,
        error: err && code !== 'FORBIDDEN' ? { message: err.message, code } : null,
        csa: (csa?.data?.assignableRoles || []).includes('CLUSTER_SYSTEM_ADMIN'),
      });
    }).catch((error) => live && setState({ error, scopes: [] }));
    return () => { live = false; };
  }, [userId, portal, round]);
  return state;
}

export function AddRoles({ user, portal, onAdded, autoFocus = false }) {
  const ip = portal === 'IP';
  const kind = ip ? 'workspace' : 'cluster';
  const [round, setRound] = useState(0);
  const scopes = useScopes(user.id, portal, round);
  const [rows, setRows] = useState(() => [newRow()]);
  const [allowed, setAllowed] = useState({}); // scope id → { roles } | { loading } | { error }
  const [errors, setErrors] = useState([]); // the payload's, or rows left incomplete
  const [failure, setFailure] = useState(null);
  const [done, setDone] = useState('');
  const { run, busy } = useMutation(ADD_ROLES_CREATE, 'createRoles');
  const first = useRef(null);
  const asked = useRef({});
  const listId = useId('clusters');
  const big = !ip && scopes.scopes.length > BIG;
  const reset = () => { setRows([newRow()]); asked.current = {}; setAllowed({}); setErrors([]); };

  useEffect(() => { reset(); setDone(''); }, [user.id, portal]);
  useEffect(() => {
    if (autoFocus && !scopes.loading && first.current) {
      first.current.focus();
      first.current.scrollIntoView({ block: 'center' });
    }
  }, [autoFocus, scopes.loading]);

  // Asks the guard which roles this user may get in a scope, once per scope.
  const ask = (scope) => {
    if (!scope || scope === CSA || asked.current[scope]) return;
    asked.current[scope] = true;
    const set = (v) => setAllowed((a) => ({ ...a, [scope]: v }));
    set({ loading: true });
    gql(ADD_ROLES_ASSIGNABLE, { userId: user.id, [`${kind}Id`]: scope })
      .then((d) => set({ roles: d.assignableRoles }))
      .catch((error) => { asked.current[scope] = false; set({ error }); });
  };

  const change = (key, changes) => {
    setRows((rs) => rs.map((r) => (r.key === key ? { ...r, ...changes } : r)));
    setDone('');
    if ('scope' in changes) ask(changes.scope);
  };
  // Once a scope's roles are known, a row with a single choice takes it.
  useEffect(() => {
    setRows((rs) => rs.map((r) => {
      const roles = allowed[r.scope]?.roles;
      return roles?.length === 1 && !r.role ? { ...r, role: roles[0] } : r;
    }));
  }, [allowed]);

  const submit = async (e) => {
    e.preventDefault();
    setFailure(null);
    setDone('');
    const gaps = [];
    rows.forEach((r, i) => {
      const at = (f, message) => gaps.push({ field: ['input', 'roles', String(i), f], message, code: 'VALIDATION' });
      if (!r.scope) at(`${kind}Id`, r.text ? `Pick a ${kind} from the list.` : `Choose a ${kind}.`);
      else if (r.scope !== CSA && !r.role) at('role', 'Choose a role.');
    });
    setErrors(gaps);
    if (gaps.length) return;
    const roles = rows.map((r) => (r.scope === CSA ? { role: 'CLUSTER_SYSTEM_ADMIN' } : { role: r.role, [`${kind}Id`]: r.scope }));
    try {
      const payload = await run({ input: { userId: user.id, roles } });
      setErrors(payload.errors);
      if (payload.errors.length) return;
      reset();
      setDone(`${roles.length === 1 ? 'The role was' : `${roles.length} roles were`} given to ${user.fullName}.`);
      setRound((r) => r + 1);
      onAdded?.();
    } catch (error) {
      setFailure(error);
    }
  };

  if (scopes.loading) return html`<${Loading} what="Loading what you can grant" />`;
  if (scopes.error) return html`<${ErrorNotice} error=${scopes.error} />`;
  if (!scopes.scopes.length && !scopes.csa) {
    return html`<${Notice}>${ip ? 'You work in no workspace, so you can grant no IP roles.'
      : 'You can grant no cluster roles: no cluster is open to you for role assignment.'}</${Notice}>`;
  }
  const rowOf = (e) => {
    const f = e.field || [];
    return f[0] === 'input' && f[1] === 'roles' && Number(f[2]) < rows.length ? Number(f[2]) : -1;
  };
  const shown = errors.filter((e) => rowOf(e) >= 0).map((e) => e.field.join('.'));

  return html`<form class="add-roles" onSubmit=${submit} noValidate>
    ${big && html`<datalist id=${listId}>
      ${scopes.csa && html`<option value=${CSA_LABEL} />`}
      ${scopes.scopes.map((s) => html`<option value=${s.label} />`)}
    </datalist>`}
    ${rows.map((row, i) => html`<${Row} key=${row.key} i=${i} row=${row} kind=${kind} big=${big} listId=${listId}
      scopes=${scopes} allowed=${allowed[row.scope]} user=${user} errors=${errors.filter((e) => rowOf(e) === i)}
      inputRef=${i ? null : first} count=${rows.length} onChange=${(c) => change(row.key, c)}
      onRemove=${() => { setErrors([]); setRows((rs) => rs.filter((r) => r.key !== row.key)); }} />`)}
    <${PayloadErrors} errors=${errors} shown=${shown} />
    <${ErrorNotice} error=${failure} />
    ${done && html`<${Notice} kind="success">${done}</${Notice}>`}
    <div class="actions">
      <${Button} kind="secondary" onClick=${() => setRows((rs) => [...rs, newRow()])}>Add another row</${Button}>
      <${Button} type="submit" busy=${busy}>${rows.length > 1 ? `Give ${rows.length} roles` : 'Give role'}</${Button}>
    </div>
  </form>`;
}

function Row({ i, row, kind, big, listId, scopes, allowed, user, errors, inputRef, count, onChange, onRemove }) {
  const label = kind === 'workspace' ? 'Workspace' : 'Cluster';
  const at = (...names) => errors.filter((e) => names.includes(e.field[3]));
  const pick = (text) => (scopes.csa && text === CSA_LABEL ? CSA : scopes.scopes.find((s) => s.label === text)?.id || '');
  const rest = errors.filter((e) => !['workspaceId', 'clusterId', 'role'].includes(e.field[3]));
  return html`<fieldset class="role-row">
    <legend>Role ${i + 1}</legend>
    <${Field} label=${label} errors=${at('workspaceId', 'clusterId')} hint=${big ? `Type to search ${scopes.scopes.length} clusters` : null}>
      ${(p) => (big
    ? html`<input ...${p} ref=${inputRef} list=${listId} value=${row.text} autocomplete="off"
        onInput=${(e) => { const text = e.currentTarget.value; onChange({ text, scope: pick(text), role: '' }); }} />`
    : html`<select ...${p} ref=${inputRef} value=${row.scope} onChange=${(e) => onChange({ scope: e.currentTarget.value, role: '' })}>
        <option value="">Choose a ${kind}</option>
        ${scopes.csa && html`<option value=${CSA}>${CSA_LABEL}</option>`}
        ${scopes.scopes.map((s) => html`<option value=${s.id}>${s.label}</option>`)}
      </select>`)}
    </${Field}>
    <${RoleChoice} row=${row} allowed=${allowed} user=${user} errors=${at('role')} onChange=${onChange} />
    ${count > 1 && html`<div class="row-remove"><${Button} kind="secondary" onClick=${onRemove} aria-label=${`Remove role ${i + 1}`}>Remove</${Button}></div>`}
    ${rest.length > 0 && html`<p class="error-text row-errors" role="alert">${errorLine(rest)}</p>`}
  </fieldset>`;
}

function RoleChoice({ row, allowed, user, errors, onChange }) {
  const slot = (body) => html`<div class="field"><span class="label-like">Role</span>${body}
    ${errors.length > 0 && html`<small class="error-text" role="alert">${errors.map((e) => e.message).join(' ')}</small>`}</div>`;
  if (!row.scope) return slot(html`<span class="muted">Choose a scope first.</span>`);
  if (row.scope === CSA) {
    return slot(html`<strong>Cluster System Admin</strong>
      <small class="hint">It must be the only row; it replaces the user's other cluster roles.</small>`);
  }
  if (!allowed || allowed.loading) return slot(html`<span class="muted">Checking…</span>`);
  if (allowed.error) return slot(html`<span class="error-text">${allowed.error.message}</span>`);
  if (!allowed.roles.length) {
    const held = user.roles.find((r) => (r.workspace || r.cluster)?.id === row.scope);
    return slot(html`<span class="cannot">You cannot give this user a role here.</span>
      ${held && html`<small class="hint">${user.fullName} already holds ${held.roleDisplay} in ${scopeLabel(held)}; change it in the roles table.</small>`}
      ${!user.isActive && html`<small class="hint">The user is deactivated.</small>`}`);
  }
  return html`<${Select} label="Role" errors=${errors} value=${row.role} empty="Choose a role"
    options=${allowed.roles.map((r) => [r, ROLE_LABELS[r] ?? r])} onChange=${(role) => onChange({ role })} />`;
}
