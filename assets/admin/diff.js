// The field-by-field difference of two JSON objects (an audit event's before and after).
import { html } from './lib.js';

function show(v) {
  if (v === undefined || v === null) return html`<span class="muted">—</span>`;
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

// The keys whose values differ; all keys of the one side when the other is null.
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
    <thead><tr><th scope="col">Field</th><th scope="col">Before</th><th scope="col">After</th></tr></thead>
    <tbody>${keys.map((k) => html`<tr key=${k}>
      <th scope="row">${k}</th><td class="before">${show(b[k])}</td><td class="after">${show(a[k])}</td>
    </tr>`)}</tbody>
  </table>`;
}
