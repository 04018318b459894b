// Shared pieces of every screen: data hooks over the API helper, form fields that show their
// errors in place, notices, status chips and a confirmation dialog.
import { html, useState, useEffect, useRef, useCallback } from './lib.js';
import { gql, gqlRaw, ApiError } from './api.js';
import { STATUS_LABELS } from './labels.js';

// Runs a query whenever `key` changes: { data, error, loading, reload }. `loading` is true
// from the very render that changes the key, so a screen never shows old data as current.
export function useQuery(query, variables, key = JSON.stringify(variables ?? {})) {
  const [state, setState] = useState({ data: null, error: null, done: null });
  const [round, setRound] = useState(0);
  const ask = `${key}#${round}`;
  useEffect(() => {
    let live = true;
    gql(query, variables ?? {})
      .then((data) => live && setState({ data, error: null, done: ask }))
      .catch((error) => live && setState({ data: null, error, done: ask }));
    return () => {
      live = false;
    };
  }, [query, ask]);
  const reload = useCallback(() => setRound((r) => r + 1), []);
  return { data: state.data, error: state.error, loading: state.done !== ask, reload };
}

// A mutation: `run(input)` resolves to the payload (whose `errors` the screen shows in place),
// or throws an ApiError for a GraphQL error; `busy` is true meanwhile.
export function useMutation(query, field) {
  const [busy, setBusy] = useState(false);
  const run = useCallback(async (variables) => {
    setBusy(true);
    try {
      const data = await gql(query, variables);
      return data[field];
    } finally {
      setBusy(false);
    }
  }, [query, field]);
  return { run, busy };
}

export { gql, gqlRaw, ApiError };

let nextId = 0;
export function useId(prefix = 'f') {
  const ref = useRef(null);
  if (ref.current === null) {
    nextId += 1;
    ref.current = `${prefix}-${nextId}`;
  }
  return ref.current;
}

// A labelled control with its hint and its errors; `children` is a function of the props the
// control needs ({ id, 'aria-invalid', 'aria-describedby' }).
export function Field({ label, errors = [], hint, children, className = '' }) {
  const id = useId('field');
  const messages = (errors || []).map((e) => (typeof e === 'string' ? e : e.message));
  const describedBy = [hint ? `${id}-hint` : null, messages.length ? `${id}-error` : null]
    .filter(Boolean).join(' ') || undefined;
  const control = children({
    id,
    'aria-invalid': messages.length ? 'true' : undefined,
    'aria-describedby': describedBy,
  });
  return html`<div class=${`field ${messages.length ? 'invalid' : ''} ${className}`}>
    <label for=${id}>${label}</label>
    ${control}
    ${hint && html`<small id=${`${id}-hint`} class="hint">${hint}</small>`}
    ${messages.length > 0 && html`<small id=${`${id}-error`} class="error-text" role="alert">${messages.join(' ')}</small>`}
  </div>`;
}

export function Notice({ kind = 'info', children, onClose }) {
  const role = kind === 'error' ? 'alert' : 'status';
  return html`<div class=${`notice notice-${kind}`} role=${role}>
    <div class="notice-body">${children}</div>
    ${onClose && html`<button type="button" class="link" onClick=${onClose} aria-label="Dismiss">×</button>`}
  </div>`;
}

export function ErrorNotice({ error }) {
  if (!error) return null;
  const code = error.code ? ` (${error.code})` : '';
  return html`<${Notice} kind="error">${error.message}${code}</${Notice}>`;
}

export function Loading({ what = 'Loading' }) {
  return html`<p class="loading" role="status" aria-live="polite">${what}…</p>`;
}

export function StatusChip({ status }) {
  return html`<span class=${`chip chip-${status.toLowerCase()}`}>${STATUS_LABELS[status] ?? status}</span>`;
}

// A submit or action button that shows progress and cannot be pressed twice.
export function Button({ busy = false, children, kind = 'primary', type = 'button', disabled, ...rest }) {
  return html`<button type=${type} class=${`btn btn-${kind}`} disabled=${busy || disabled}
    aria-busy=${busy ? 'true' : undefined} ...${rest}>${busy ? html`<span class="spinner" aria-hidden="true"></span>` : null}${children}</button>`;
}

// A modal confirmation on the native <dialog>: focus stays inside, Escape cancels.
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

// Payload errors without a field, or whose field no control shows, as one notice.
export function PayloadErrors({ errors, shown = [] }) {
  const rest = (errors || []).filter((e) => !shown.includes((e.field || []).join('.')));
  if (!rest.length) return null;
  return html`<${Notice} kind="error"><ul class="plain">${rest.map((e) => html`<li>${e.message} (${e.code})</li>`)}</ul></${Notice}>`;
}
