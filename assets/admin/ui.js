// Shared pieces of every screen: data hooks, fields, notices, chips, dialogs.
import { html, useState, useEffect, useRef, useCallback } from './lib.js';
import { gql, gqlRaw, ApiError, errorsByField } from './api.js';
import { STATUS_LABELS, formatDateTime, scopeLabel } from './labels.js';
import { CLUSTERS } from './ops.js';
import { Link } from './router.js';

// What `load()` resolves to, `delay` ms after `deps` change; an answer to older deps is dropped.
export function useLoad(load, deps, initial, delay = 0, fail = () => initial) {
  const [value, setValue] = useState(initial);
  useEffect(() => {
    let live = true;
    const run = () => load()?.then((v) => live && setValue(v), (e) => live && setValue(fail(e)));
    const t = delay && setTimeout(run, delay);
    if (!delay) run();
    return () => { live = false; clearTimeout(t); };
  }, deps);
  return value;
}

// `loading` is true from the very render that changes the key: old data never shows as current.
export function useQuery(query, variables, key = JSON.stringify(variables ?? {})) {
  const [round, setRound] = useState(0);
  const ask = `${key}#${round}`;
  const { data = null, error = null, done } = useLoad(
    () => gql(query, variables ?? {}).then((d) => ({ data: d, done: ask })),
    [query, ask], {}, 0, (e) => ({ error: e, done: ask }),
  );
  const reload = useCallback(() => setRound((r) => r + 1), []);
  return { data, error, loading: done !== ask, reload, round };
}

export function useMutation(query, field) {
  const [busy, setBusy] = useState(false);
  const run = useCallback(async (variables) => {
    setBusy(true);
    try {
      return (await gql(query, variables))[field];
    } finally {
      setBusy(false);
    }
  }, [query, field]);
  return { run, busy };
}

export { gql, gqlRaw, ApiError };

let nextId = 0;
export function useId(prefix = 'f') {
  return useState(() => `${prefix}-${nextId += 1}`)[0];
}

// A labelled control with hint and errors; `children` maps the control's props to it.
export function Field({ label, errors = [], hint, children }) {
  const id = useId('field');
  const messages = (errors || []).map((e) => (typeof e === 'string' ? e : e.message));
  const describedBy = [hint ? `${id}-hint` : null, messages.length ? `${id}-error` : null]
    .filter(Boolean).join(' ') || undefined;
  const control = children({
    id,
    'aria-invalid': messages.length ? 'true' : undefined,
    'aria-describedby': describedBy,
  });
  return html`<div class=${messages.length ? 'field invalid' : 'field'}>
    <label for=${id}>${label}</label>
    ${control}
    ${hint && html`<small id=${`${id}-hint`} class="hint">${hint}</small>`}
    ${errorText(id, messages)}
  </div>`;
}

export const errorText = (id, messages) => messages.length > 0
  && html`<small id=${`${id}-error`} class="error-text" role="alert">${messages.join(' ')}</small>`;

export const noRole = (title, what) => html`<h1>${title}</h1><${Notice}>You hold no role that lets you ${what} users.
  <${Link} to="/admin/profile">See your roles</${Link}>.</${Notice}>`;

// A labelled <select>: the `empty` choice if any, then `options` as [value, label].
export function Select({ label, name, value, empty, options, onChange, errors, hint }) {
  return html`<${Field} label=${label} hint=${hint} errors=${errors}>
    ${(p) => html`<select ...${p} name=${name} value=${value} onChange=${(e) => onChange(e.currentTarget.value)}>
      ${empty && html`<option value="">${empty}</option>`}
      ${options.map(([v, l]) => html`<option value=${v}>${l}</option>`)}
    </select>`}
  </${Field}>`;
}

export function Notice({ kind = 'info', children, onClose }) {
  return html`<div class=${`notice notice-${kind}`} role=${kind === 'error' ? 'alert' : 'status'}>
    <div class="notice-body">${children}</div>
    ${onClose && html`<button type="button" class="link" onClick=${onClose} aria-label="Dismiss">×</button>`}
  </div>`;
}

export function ErrorNotice({ error }) {
  return error && html`<${Notice} kind="error">${error.message}${error.code ? ` (${error.code})` : ''}</${Notice}>`;
}

export function Loading({ what }) {
  return html`<p class="loading" role="status" aria-live="polite">${what}…</p>`;
}

export function StatusChip({ status }) {
  return html`<span class=${`chip chip-${status.toLowerCase()}`}>${STATUS_LABELS[status] ?? status}</span>`;
}

// Shows progress and cannot be pressed twice.
export function Button({ busy = false, children, kind = 'primary', type = 'button', disabled, ...rest }) {
  return html`<button type=${type} class=${`btn btn-${kind}`} disabled=${busy || disabled}
    aria-busy=${busy ? 'true' : undefined} ...${rest}>${busy ? html`<span class="spinner" aria-hidden="true"></span>` : null}${children}</button>`;
}

// A modal <dialog>: focus stays inside, Escape cancels.
export function Confirm({ open, title, children, confirmLabel = 'Confirm', kind = 'danger', busy = false, onConfirm, onCancel }) {
  const ref = useRef(null);
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) dialog.showModal();
    if (!open && dialog.open) dialog.close();
  }, [open]);
  const titleId = useId('dialog');
  return html`<dialog ref=${ref} aria-labelledby=${titleId} onCancel=${(e) => { e.preventDefault(); onCancel(); }}>
    <h2 id=${titleId}>${title}</h2>
    <div class="dialog-body">${children}</div>
    <div class="actions">
      <${Button} kind="secondary" onClick=${onCancel} disabled=${busy}>Cancel</${Button}>
      <${Button} kind=${kind} busy=${busy} onClick=${onConfirm}>${confirmLabel}</${Button}>
    </div>
  </dialog>`;
}

// A text field with suggestions; onPick(option or null, text) on every keystroke.
export function TextPicker({ label, name, text, options, onText, onPick, hint, errors }) {
  const listId = useId(`${name}-options`);
  const input = (e) => {
    const value = e.currentTarget.value;
    onText(value);
    const lower = value.trim().toLowerCase();
    onPick(options.find((o) => o.label === value) || options.find((o) => o.label.toLowerCase() === lower) || null, value);
  };
  return html`<${Field} label=${label} hint=${hint} errors=${errors}>
    ${(p) => [
      html`<input ...${p} name=${name} list=${listId} value=${text} autocomplete="off" onInput=${input} />`,
      html`<datalist id=${listId}>${options.map((o) => html`<option key=${o.id} value=${o.label}></option>`)}</datalist>`,
    ]}
  </${Field}>`;
}

const LEADS = {
  FORBIDDEN: 'You may not do this', RATE_LIMITED: 'Not now', NOT_FOUND: 'Not found', CONFLICT: 'Already used',
};

// The API's messages name times in UTC (ISO 8601): shown in the reader's time zone.
const localTimes = (text) => text.replace(/\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?Z/g, (iso) => formatDateTime(iso));

// The payload errors no control shows, as one notice.
export function PayloadErrors({ errors, shown = [] }) {
  const rest = (errors || []).filter((e) => !shown.includes((e.field || []).join('.')));
  if (!rest.length) return null;
  const kind = rest.every((e) => e.code === 'RATE_LIMITED') ? 'warning' : 'error';
  return html`<${Notice} kind=${kind}><ul class="plain">${rest.map((e) => html`<li>
    ${LEADS[e.code] && html`<strong>${LEADS[e.code]}: </strong>`}${localTimes(e.message)} <span class="muted">(${e.code})</span>
  </li>`)}</ul></${Notice}>`;
}

// A GraphQL error of a mutation, as payload errors.
export function asErrors(err) {
  return [{ code: err.code || 'ERROR', field: null, message: err.message }];
}

// A form's values and errors: check's local errors, else send's; then focus the first at fault.
export function useForm(initial) {
  const [values, setValues] = useState(initial);
  const [errors, setErrors] = useState([]);
  const ref = useRef(null);
  useEffect(() => {
    if (errors.length) ref.current?.querySelector('[aria-invalid="true"]')?.focus();
  }, [errors]);
  const submit = (check, send) => async (e) => {
    e.preventDefault();
    const local = check();
    if (local.length) return setErrors(local);
    try {
      setErrors(await send() || []);
    } catch (err) {
      setErrors(asErrors(err));
    }
  };
  return { values, setValues, errors, byField: errorsByField(errors), ref, submit };
}

// Assignable clusters as options: null while loading, [] when refused.
export function useClusterOptions() {
  return useLoad(() => gqlRaw(CLUSTERS).then((r) => (r.data?.assignableClusters || [])
    .map((c) => ({ id: c.id, label: c.fullTitle }))), [], null, 0, () => []);
}

export function RoleList({ roles }) {
  return html`<ul class="plain roles">${roles.map((r) => html`<li key=${r.id} class=${r.isActive ? '' : 'inactive'}>
    ${r.roleDisplay} <span class="muted">· ${scopeLabel(r)}</span>${r.isActive ? '' : html` <span class="chip">inactive</span>`}
  </li>`)}</ul>`;
}

export const facts = (pairs) => html`<dl class="facts">${pairs.map(([t, d]) => html`<dt>${t}</dt><dd>${d}</dd>`)}</dl>`;

export const heads = (labels) => html`<thead><tr>${labels.map((l) => html`<th scope="col">${l}</th>`)}</tr></thead>`;

export const errorLine = (errors) => errors.map((e) => `${e.message} (${e.code})`).join(' ');

export const req = (label) => html`${label} <span class="req">(required)</span>`;
