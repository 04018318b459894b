// Audit events for the user page and the audit log: pages of `auditEvents`, and diffs.
import { html, useState, useEffect, useRef } from './lib.js';
import { AUDIT_EVENTS } from './ops.js';
import { gql, heads } from './ui.js';

// `first` events at a time; `version` reloads from the top; a page for an old filter is dropped.
export function useEvents(filter, first, version = 0) {
  const key = JSON.stringify(filter);
  const [s, setS] = useState({ nodes: [], pageInfo: null, totalCount: 0, loading: true, error: null });
  const current = useRef(0);
  const load = async (after) => {
    const call = after ? current.current : (current.current += 1);
    setS((o) => ({ ...o, loading: true, error: null }));
    try {
      const { auditEvents: c } = await gql(AUDIT_EVENTS, { filter, first, after: after || null });
      if (call === current.current) {
        setS((o) => ({ ...c, nodes: after ? [...o.nodes, ...c.nodes] : c.nodes, loading: false, error: null }));
      }
    } catch (error) {
      if (call === current.current) setS((o) => ({ ...o, loading: false, error }));
    }
  };
  useEffect(() => { load(null); }, [key, version]);
  return { ...s, more: () => load(s.pageInfo?.endCursor) };
}

function show(v) {
  if (v == null) return html`<span class="muted">—</span>`;
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

export function changedFields(before, after) {
  const b = before && typeof before === 'object' ? before : {};
  const a = after && typeof after === 'object' ? after : {};
  const keys = [...new Set([...Object.keys(b), ...Object.keys(a)])].sort();
  return keys.filter((k) => JSON.stringify(b[k] ?? null) !== JSON.stringify(a[k] ?? null));
}

export function Diff({ before, after }) {
  const keys = changedFields(before, after);
  if (!keys.length) return html`<p class="muted">No field changed.</p>`;
  const b = before || {};
  const a = after || {};
  return html`<table class="diff">
    ${heads(['Field', 'Before', 'After'])}
    <tbody>${keys.map((k) => html`<tr key=${k}>
      <th scope="row">${k}</th><td class="before">${show(b[k])}</td><td class="after">${show(a[k])}</td>
    </tr>`)}</tbody>
  </table>`;
}
