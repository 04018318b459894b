// Paged lists whose whole state lives in the URL (users, partners).
import { html, useState, useEffect } from './lib.js';
import { navigate, Link } from './router.js';
import { Field, Select, Button, TextPicker, useClusterOptions } from './ui.js';

export const PAGE_SIZES = [20, 50, 100];

// The paging part of a list's state, from the URL.
export function pageState(query, sorts) {
  const size = Number(query.get('size'));
  return {
    sort: sorts[query.get('sort')] ? query.get('sort') : '',
    dir: query.get('dir') === 'DESC' ? 'DESC' : 'ASC',
    size: PAGE_SIZES.includes(size) ? size : 20,
    after: query.get('after') || '',
    before: query.get('before') || '',
    from: Math.max(1, Number(query.get('from')) || 1),
  };
}

export function pageQuery(s) {
  return {
    sort: s.sort,
    dir: s.sort ? s.dir : '',
    size: s.size === 20 ? '' : s.size,
    after: s.after,
    before: s.before,
    from: s.from > 1 ? s.from : '',
  };
}

// Goes to the list with `changes`; a change of filter, sort or size starts at the first page.
export const updater = (hrefOf) => (changes, replace = false) => navigate(hrefOf({
  after: '', before: '', from: 1, ...changes,
}), { replace });

export function orderOf(s, sorts) {
  return s.sort ? [].concat(sorts[s.sort]).map((field) => ({ field, direction: s.dir })) : null;
}

// first/after, or last/before when coming back.
export function pageVariables(s) {
  return s.before ? { last: s.size, before: s.before } : { first: s.size, after: s.after || null };
}

// The header row: [sort key or '', label] per column; a column with a key sorts.
export function HeadRow({ s, update, columns }) {
  const up = s.dir === 'ASC';
  return html`<thead><tr>${columns.map(([column, label]) => {
    if (!column) return html`<th scope="col">${label}</th>`;
    const sorted = s.sort === column;
    return html`<th scope="col" aria-sort=${sorted ? (up ? 'ascending' : 'descending') : undefined}>
      <button type="button" class="sort" onClick=${() => update({ sort: column, dir: sorted && up ? 'DESC' : 'ASC' })}>
        ${label}<span aria-hidden="true">${sorted ? (up ? ' ▲' : ' ▼') : ''}</span>
      </button>
    </th>`;
  })}</tr></thead>`;
}

export function Summary({ s, page, loading, noun }) {
  const n = page.nodes.length;
  return html`<p class="summary" role="status" aria-live="polite" aria-busy=${loading ? 'true' : 'false'}>${n
    ? `${s.from}–${s.from + n - 1} of ${page.totalCount}`
    : `No ${noun} match (${page.totalCount} in all).`}</p>`;
}

export function Pager({ s, page, hrefOf }) {
  const { pageInfo } = page;
  // Coming back with `before`, hasNextPage is not computed: the page we came from exists.
  const hasNext = (s.before || pageInfo.hasNextPage) && page.nodes.length;
  const hasPrev = s.before ? pageInfo.hasPreviousPage : s.from > 1 || pageInfo.hasPreviousPage;
  const link = (on, changes, rel, label) => (on
    ? html`<${Link} class="btn btn-secondary" to=${hrefOf(changes)} rel=${rel}>${label}</${Link}>`
    : html`<span class="btn btn-secondary" aria-disabled="true">${label}</span>`);
  return html`<nav class="pager" aria-label="Pages">
    ${link(hasPrev, { after: '', before: pageInfo.startCursor, from: Math.max(1, s.from - s.size) }, 'prev', '← Previous')}
    ${link(hasNext, { before: '', after: pageInfo.endCursor, from: s.from + s.size }, 'next', 'Next →')}
  </nav>`;
}

// The filter form: search box, the list's own filters, page size and "Clear filters".
export function ListFilters({ s, update, label, search, active, clear, children }) {
  const [q, setQ] = useState(s.q);
  useEffect(() => setQ(s.q), [s.q]);
  // Filters after a pause; the URL is replaced, not pushed, so back skips keystrokes.
  useEffect(() => {
    if (q === s.q) return undefined;
    const t = setTimeout(() => update({ q }, true), 300);
    return () => clearTimeout(t);
  }, [q]);
  return html`<form class="filters" role="search" aria-label=${label} onSubmit=${(e) => { e.preventDefault(); update({ q }); }}>
    <${Field} label=${search}>
      ${(p) => html`<input ...${p} type="search" name="q" value=${q} onInput=${(e) => setQ(e.currentTarget.value)} />`}
    </${Field}>
    ${children}
    <${Select} label="Per page" name="size" value=${String(s.size)} options=${PAGE_SIZES.map((n) => [String(n), n])}
      onChange=${(v) => update({ size: Number(v) })} />
    ${active && html`<${Button} kind="secondary" onClick=${() => update(clear)}>Clear filters</${Button}>`}
  </form>`;
}

// A filter chosen among suggestions; emptying the field clears it.
export function Pick({ label, name, chosen, on = chosen, options, onText, onChoose, onClear }) {
  const [text, setText] = useState(chosen);
  useEffect(() => setText(chosen), [chosen]);
  return html`<${TextPicker} label=${label} name=${name} text=${text} options=${options}
    hint=${on ? null : 'Type, then choose'}
    onText=${(t) => { setText(t); onText?.(t); }}
    onPick=${(o, t) => { if (o) onChoose(o); else if (!t && on) onClear(); }} />`;
}

// Shown when there are clusters, or one is chosen; while loading only when `early`.
export function ClusterFilter({ s, update, on, early }) {
  const clusters = useClusterOptions();
  if (!(clusters ? clusters.length : early) && !s.cluster) return null;
  return html`<${Pick} label="Cluster" name="cluster" chosen=${s.clusterName} on=${on} options=${clusters || []}
    onChoose=${(c) => update({ cluster: c.id, clusterName: c.label })} onClear=${() => update({ cluster: '' })} />`;
}
