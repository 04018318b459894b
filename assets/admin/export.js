// The users list's CSV export: 100 users a request, then one download.
import { html, useState, useRef, useEffect } from './lib.js';
import { gql } from './api.js';
import { USERS_CSV } from './ops.js';
import { STATUS_LABELS } from './labels.js';
import { Button, Notice, ErrorNotice } from './ui.js';

const HEADER = ['ID', 'First name', 'Last name', 'Email', 'Position', 'Partner', 'Status', 'Active',
  'Last sign-in', 'Roles'];

// A leading = + - @ (tab, CR) would make a spreadsheet run a formula: quoted away; then RFC 4180.
function cell(value) {
  let s = value == null ? '' : String(value);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

// CRLF between records, no trailing line break, no BOM.
export function toCsv(rows) {
  return rows.map((row) => row.map(cell).join(',')).join('\r\n');
}

function roleText(r) {
  const scope = r.workspace?.title ?? r.cluster?.fullTitle;
  return `${r.roleDisplay}${scope ? ` @ ${scope}` : ''}${r.isActive ? '' : ' (inactive)'}`;
}

export function userRow(u) {
  return [u.id, u.firstName, u.lastName, u.email, u.position, u.partner?.title, STATUS_LABELS[u.status] ?? u.status,
    u.isActive ? 'yes' : 'no', u.lastLogin, u.roles.map(roleText).join('; ')];
}

export function csvFilename(portal, date = new Date()) {
  const pad = (n) => String(n).padStart(2, '0');
  const day = `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
  return `idm-users-${portal.toLowerCase()}-${day}.csv`;
}

const users = (n) => `${n} ${n === 1 ? 'user' : 'users'}`;

function download(parts, filename) {
  // The BOM makes Excel read the file as UTF-8.
  const blob = new Blob(['\uFEFF', ...parts], { type: 'text/csv;charset=utf-8' });
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  a.hidden = true;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

export function ExportCsv({ portal, filter, orderBy, total }) {
  // idle | running | done | cancelled | failed
  const [state, setState] = useState({ phase: 'idle', done: 0, total });
  const idle = () => setState({ phase: 'idle', done: 0, total });
  const run = useRef(null);
  const stop = () => { if (run.current) run.current.cancelled = true; };
  // A new filter, sort or portal forgets the last outcome; leaving the screen stops a running export.
  useEffect(() => {
    idle();
    return stop;
  }, [JSON.stringify([portal, filter, orderBy])]);

  const start = async () => {
    const me = { cancelled: false };
    run.current = me;
    const began = performance.now();
    setState({ phase: 'running', done: 0, total });
    // CSV text per page (with its leading line break), joined by the Blob, not here.
    const parts = [toCsv([HEADER])];
    let after = null;
    let done = 0;
    let expected = total;
    try {
      for (;;) {
        const { users } = await gql(USERS_CSV, { portal, filter, orderBy, after });
        if (me.cancelled) return;
        expected = users.totalCount;
        if (users.nodes.length) parts.push('\r\n', toCsv(users.nodes.map(userRow)));
        done += users.nodes.length;
        setState({ phase: 'running', done, total: expected });
        if (!users.pageInfo.hasNextPage || !users.nodes.length) break;
        after = users.pageInfo.endCursor;
      }
      download(parts, csvFilename(portal));
      const seconds = (performance.now() - began) / 1000;
      setState({ phase: 'done', done, total: expected, seconds });
    } catch (error) {
      if (!me.cancelled) setState({ phase: 'failed', done, total: expected, error });
    } finally {
      if (run.current === me) run.current = null;
    }
  };

  const cancel = () => {
    stop();
    run.current = null;
    setState((s) => ({ ...s, phase: 'cancelled' }));
  };

  // The button pressed is replaced (Export by Cancel and back): keep the focus in the section.
  const box = useRef(null);
  useEffect(() => {
    const el = box.current;
    const lost = document.activeElement === document.body || el?.contains(document.activeElement);
    if (el && lost && state.phase !== 'idle') el.querySelector('button')?.focus();
  }, [state.phase]);

  const { phase, done } = state;
  const n = phase === 'idle' ? total : state.total;
  return html`<section class="export" aria-label="Export" ref=${box}>
    ${phase === 'running'
      ? html`<div class="export-progress">
          <label for="export-progress">Exporting users…</label>
          <progress id="export-progress" max=${Math.max(n, 1)} value=${done}></progress>
          <span role="status" aria-live="polite">${done} of ${n}</span>
          <${Button} kind="secondary" onClick=${cancel}>Cancel export</${Button}>
        </div>`
      : html`<${Button} kind="secondary" disabled=${!total} onClick=${start}>
          Export CSV (${users(total)})</${Button}>`}
    ${phase === 'done' && html`<${Notice} kind="success" onClose=${idle}>
      Downloaded ${users(done)} in ${state.seconds < 0.1 ? 'under 0.1' : state.seconds.toFixed(1)} s.</${Notice}>`}
    ${phase === 'cancelled' && html`<${Notice} onClose=${idle}>
      Export cancelled after ${done} of ${n}; nothing was downloaded.</${Notice}>`}
    ${phase === 'failed' && html`<${ErrorNotice} error=${state.error} />`}
  </section>`;
}
