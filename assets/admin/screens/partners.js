// Partners: the list (filters, sort and cursor pages in the URL), a partner's facts with its edit
// form, and the new-partner form; one list of field descriptors serves all three.
import { html, useState, useEffect, useMemo, useRef } from '../lib.js';
import {
  PARTNERS_PAGE, PARTNER_DETAIL, CREATE_PARTNER, UPDATE_PARTNER, FILTER_CLUSTERS,
} from '../ops.js';
import { navigate, href, Link } from '../router.js';
import { useViewer } from '../viewer.js';
import {
  PARTNER_TYPE_LABELS, CSO_TYPE_LABELS, SHARED_PARTNER_LABELS, formatDate, formatDateTime,
} from '../labels.js';
import { errorsByField } from '../api.js';
import {
  useQuery, useMutation, useId, gqlRaw, Field, Notice, ErrorNotice, Loading, Button,
} from '../ui.js';

const CSO = 'CIVIL_SOCIETY_ORGANIZATION';

// Every editable field of Partner, once, for the detail view and both forms: [name, label,
// kind (text | email | tel | int | decimal | select), extra], by group. `when` hides a field
// (and clears its value) while the other values do not allow it.
const group = (name, fields) => fields.map(([field, label, kind = 'text', extra = {}]) => ({
  group: name, name: field, label, kind, ...extra,
}));
export const PARTNER_FIELDS = [
  ...group('Organisation', [
    ['title', 'Title', 'text', { required: true }],
    ['shortTitle', 'Short title'],
    ['alternateTitle', 'Other name'],
    ['partnerType', 'Partner type', 'select', { options: PARTNER_TYPE_LABELS, required: true, initial: 'GOVERNMENT' }],
    ['csoType', 'CSO type', 'select', { options: CSO_TYPE_LABELS, when: (v) => v.partnerType === CSO }],
    ['sharedPartner', 'Shared partner', 'select', { options: SHARED_PARTNER_LABELS, required: true, initial: 'NO' }],
  ]),
  ...group('Contact', [
    ['email', 'Email', 'email'],
    ['phoneNumber', 'Phone', 'tel'],
    ['streetAddress', 'Street address'],
    ['city', 'City'],
    ['postalCode', 'Postal code'],
    ['countryCode', 'Country code', 'text', { hint: 'Two letters, e.g. SY', maxLength: 2 }],
  ]),
  ...group('Identifiers', [
    ['vendorNumber', 'Vendor number'],
    ['ochaExternalId', 'OCHA id'],
    ['externalSource', 'External source', 'select', { options: { HPC: 'HPC', OPS: 'OPS', UNICEF: 'UNICEF' } }],
    ['externalId', 'External id'],
    ['alternateId', 'Other numeric id', 'int'],
  ]),
  ...group('Risk and cash transfers', [
    ['rating', 'Risk rating'],
    ['typeOfAssessment', 'Type of assessment'],
    ['basisForRiskRating', 'Basis for the risk rating'],
    ['totalCtCp', 'Cash transfers, programme cycle', 'decimal'],
    ['totalCtCy', 'Cash transfers, current year', 'decimal'],
  ]),
];
const GROUPS = [...new Set(PARTNER_FIELDS.map((f) => f.group))];
const shows = (f, values) => !f.when || f.when(values);
const number = new Intl.NumberFormat(undefined, { minimumFractionDigits: 2, maximumFractionDigits: 2 });

// == shared pieces (also used by the add-user screen) ==

// A text field with suggestions (native <datalist>): typing an option's label picks it;
// onPick(option or null, text) follows every keystroke.
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
  FORBIDDEN: 'You may not do this',
  RATE_LIMITED: 'Not now',
  NOT_FOUND: 'Not found',
  CONFLICT: 'Already used',
};

// The API's messages name times in UTC (ISO 8601): shown in the reader's time zone.
const localTimes = (text) => text.replace(/\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?Z/g, (iso) => formatDateTime(iso));

// Payload errors that no control of the form shows, as one notice.
export function Refusals({ errors, shown = [] }) {
  const rest = (errors || []).filter((e) => !shown.includes((e.field || []).join('.')));
  if (!rest.length) return null;
  const kind = rest.every((e) => e.code === 'RATE_LIMITED') ? 'warning' : 'error';
  return html`<${Notice} kind=${kind}><ul class="plain">${rest.map((e) => html`<li>
    ${LEADS[e.code] && html`<strong>${LEADS[e.code]}: </strong>`}${e.code === 'RATE_LIMITED' ? localTimes(e.message) : e.message} <span class="muted">(${e.code})</span>
  </li>`)}</ul></${Notice}>`;
}

// After errors are shown, keyboard focus goes to the first field at fault.
export function useFocusInvalid(formRef, errors) {
  useEffect(() => {
    if (errors?.length) formRef.current?.querySelector('[aria-invalid="true"]')?.focus();
  }, [errors]);
}

// A GraphQL error of a mutation (not a payload error), as the list of payload errors shows it.
export function asErrors(err) {
  return [{ code: err.code || 'ERROR', field: null, message: err.message }];
}

// == list ==

const PAGE_SIZES = [20, 50, 100];
const SORTS = { title: 'TITLE', type: 'PARTNER_TYPE', created: 'ID' };
const FIRST_PAGE = { after: '', before: '', from: 1 };

function listState(query) {
  const size = Number(query.get('size'));
  return {
    q: query.get('q') || '',
    type: PARTNER_TYPE_LABELS[query.get('type')] ? query.get('type') : '',
    cluster: query.get('cluster') || '',
    clusterName: query.get('clusterName') || '',
    sort: SORTS[query.get('sort')] ? query.get('sort') : '',
    dir: query.get('dir') === 'DESC' ? 'DESC' : 'ASC',
    size: PAGE_SIZES.includes(size) ? size : 20,
    after: query.get('after') || '',
    before: query.get('before') || '',
    from: Math.max(1, Number(query.get('from')) || 1),
  };
}

function listHref(s, changes) {
  const n = { ...s, ...changes };
  return href('/admin/partners', {
    q: n.q,
    type: n.type,
    cluster: n.cluster,
    clusterName: n.cluster ? n.clusterName : '',
    sort: n.sort,
    dir: n.sort ? n.dir : '',
    size: n.size === 20 ? '' : n.size,
    after: n.after,
    before: n.before,
    from: n.from > 1 ? n.from : '',
  });
}

export function Partners({ query }) {
  const s = listState(query);
  const update = (changes, replace = false) => navigate(listHref(s, { ...FIRST_PAGE, ...changes }), { replace });
  const filter = {};
  if (s.q.trim()) filter.title = s.q.trim();
  if (s.type) filter.partnerType = s.type;
  if (s.cluster) filter.clusterIds = [s.cluster];
  const variables = {
    filter,
    orderBy: s.sort ? [{ field: SORTS[s.sort], direction: s.dir }] : null,
    ...(s.before ? { last: s.size, before: s.before } : { first: s.size, after: s.after || null }),
  };
  const { data, error, loading } = useQuery(PARTNERS_PAGE, variables);
  const page = data?.partners;

  return html`<div class="partners">
    <div class="page-head">
      <h1>Partners</h1>
      <${Link} class="btn btn-primary" to="/admin/partners/new">New partner</${Link}>
    </div>
    <${ListFilters} s=${s} update=${update} />
    <${ErrorNotice} error=${error} />
    ${loading && !page && html`<${Loading} what="Loading partners" />`}
    ${page && html`
      <p class="summary" role="status" aria-live="polite" aria-busy=${loading ? 'true' : 'false'}>${page.nodes.length
        ? `${s.from}–${s.from + page.nodes.length - 1} of ${page.totalCount}`
        : `No partners match (${page.totalCount} in all).`}</p>
      <${PartnerTable} s=${s} page=${page} update=${update} />
      <${Pager} s=${s} page=${page} />
    `}
  </div>`;
}

// The clusters a requester may pick: null while loading, [] when the API refuses.
function useClusters() {
  const [clusters, setClusters] = useState(null);
  useEffect(() => {
    let live = true;
    gqlRaw(FILTER_CLUSTERS)
      .then((r) => live && setClusters((r.data?.assignableClusters || []).map((c) => ({ id: c.id, label: c.fullTitle }))))
      .catch(() => live && setClusters([]));
    return () => { live = false; };
  }, []);
  return clusters;
}

function ListFilters({ s, update }) {
  const [q, setQ] = useState(s.q);
  useEffect(() => setQ(s.q), [s.q]);
  useEffect(() => {
    if (q === s.q) return undefined;
    const t = setTimeout(() => update({ q }, true), 300);
    return () => clearTimeout(t);
  }, [q]);
  const clusters = useClusters();
  const [clusterText, setClusterText] = useState(s.clusterName);
  useEffect(() => setClusterText(s.clusterName), [s.clusterName]);
  const active = s.q || s.type || s.cluster;

  return html`<form class="filters" role="search" aria-label="Filter partners" onSubmit=${(e) => { e.preventDefault(); update({ q }); }}>
    <${Field} label="Title">
      ${(p) => html`<input ...${p} type="search" name="q" value=${q} onInput=${(e) => setQ(e.currentTarget.value)} />`}
    </${Field}>
    <${Field} label="Partner type">
      ${(p) => html`<select ...${p} name="type" value=${s.type} onChange=${(e) => update({ type: e.currentTarget.value })}>
        <option value="">Any type</option>
        ${Object.entries(PARTNER_TYPE_LABELS).map(([v, l]) => html`<option value=${v}>${l}</option>`)}
      </select>`}
    </${Field}>
    ${(clusters?.length > 0 || s.cluster) && html`<${TextPicker} label="Cluster" name="cluster" text=${clusterText}
      options=${clusters || []} hint=${s.cluster ? null : 'Type, then choose'} onText=${setClusterText}
      onPick=${(c, text) => {
        if (c) update({ cluster: c.id, clusterName: c.label });
        else if (!text && s.cluster) update({ cluster: '' });
      }} />`}
    <${Field} label="Per page">
      ${(p) => html`<select ...${p} name="size" value=${String(s.size)} onChange=${(e) => update({ size: Number(e.currentTarget.value) })}>
        ${PAGE_SIZES.map((n) => html`<option value=${String(n)}>${n}</option>`)}
      </select>`}
    </${Field}>
    ${active && html`<${Button} kind="secondary" onClick=${() => update({ q: '', type: '', cluster: '' })}>Clear filters</${Button}>`}
  </form>`;
}

function SortHeader({ s, column, label, update }) {
  const sorted = s.sort === column;
  const dir = sorted && s.dir === 'ASC' ? 'DESC' : 'ASC';
  const ariaSort = sorted ? (s.dir === 'ASC' ? 'ascending' : 'descending') : undefined;
  return html`<th scope="col" aria-sort=${ariaSort}>
    <button type="button" class="sort" onClick=${() => update({ sort: column, dir })}>
      ${label}<span aria-hidden="true">${sorted ? (s.dir === 'ASC' ? ' ▲' : ' ▼') : ''}</span>
    </button>
  </th>`;
}

function PartnerTable({ s, page, update }) {
  if (!page.nodes.length) return null;
  return html`<div class="table-wrap"><table class="list">
    <thead><tr>
      <${SortHeader} s=${s} column="title" label="Title" update=${update} />
      <${SortHeader} s=${s} column="type" label="Type" update=${update} />
      <th scope="col">Clusters</th>
      <th scope="col">Vendor number</th>
      <th scope="col">Country</th>
      <${SortHeader} s=${s} column="created" label="Created" update=${update} />
    </tr></thead>
    <tbody>${page.nodes.map((p) => html`<tr key=${p.id}>
      <td data-label="Title"><${Link} to=${`/admin/partners/${encodeURIComponent(p.id)}`}>${p.title}</${Link}>
        ${p.shortTitle && p.shortTitle !== p.title && html`<div class="muted">${p.shortTitle}</div>`}</td>
      <td data-label="Type">${p.partnerTypeDisplay}${p.csoType && html`<div class="muted">${CSO_TYPE_LABELS[p.csoType] ?? p.csoType}</div>`}</td>
      <td data-label="Clusters">${p.clusters.length
        ? html`<ul class="plain">${p.clusters.map((c) => html`<li key=${c.id}>${c.fullTitle}</li>`)}</ul>`
        : html`<span class="muted">None</span>`}</td>
      <td data-label="Vendor number">${p.vendorNumber || '—'}</td>
      <td data-label="Country">${p.countryCode || '—'}</td>
      <td data-label="Created">${formatDate(p.createdAt)}</td>
    </tr>`)}</tbody>
  </table></div>`;
}

function Pager({ s, page }) {
  const { pageInfo } = page;
  // Coming back with `before`, the page we came from exists.
  const hasNext = s.before ? true : pageInfo.hasNextPage;
  const hasPrev = s.before ? pageInfo.hasPreviousPage : s.from > 1 || pageInfo.hasPreviousPage;
  const prev = listHref(s, { after: '', before: pageInfo.startCursor, from: Math.max(1, s.from - s.size) });
  const next = listHref(s, { before: '', after: pageInfo.endCursor, from: s.from + s.size });
  return html`<nav class="pager" aria-label="Pages">
    ${hasPrev ? html`<${Link} class="btn btn-secondary" to=${prev} rel="prev">← Previous</${Link}>`
    : html`<span class="btn btn-secondary" aria-disabled="true">← Previous</span>`}
    ${hasNext && page.nodes.length ? html`<${Link} class="btn btn-secondary" to=${next} rel="next">Next →</${Link}>`
    : html`<span class="btn btn-secondary" aria-disabled="true">Next →</span>`}
  </nav>`;
}

// == detail ==

function shown(f, partner) {
  const x = partner[f.name];
  if (x == null || x === '') return html`<span class="muted">—</span>`;
  if (f.name === 'partnerType') return partner.partnerTypeDisplay;
  if (f.kind === 'select') return f.options[x] ?? x;
  if (f.kind === 'email') return html`<a href=${`mailto:${x}`}>${x}</a>`;
  if (f.kind === 'decimal') return Number.isFinite(Number(x)) ? number.format(Number(x)) : x;
  return String(x);
}

export function PartnerDetail({ params, query }) {
  const { portals } = useViewer();
  const editing = query?.get('edit') === '1';
  const created = query?.get('created') === '1';
  const [saved, setSaved] = useState(false);
  const { data, error, loading, reload } = useQuery(PARTNER_DETAIL, { id: params.id });
  const self = `/admin/partners/${encodeURIComponent(params.id)}`;
  useEffect(() => { if (editing) setSaved(false); }, [editing]);

  if (error && !['BAD_USER_INPUT', 'NOT_FOUND'].includes(error.code)) {
    return html`<h1>Partner</h1><${ErrorNotice} error=${error} />
      <p><${Link} to="/admin/partners">All partners</${Link}></p>`;
  }
  if (!data && !error) return html`<${Loading} what="Loading the partner" />`;
  const partner = data?.partner;
  if (!partner) {
    return html`<h1>Partner</h1>
      <${Notice} kind="warning">This partner does not exist, or you may not see it.</${Notice}>
      <p><${Link} to="/admin/partners">All partners</${Link}></p>`;
  }

  return html`<div class="partner">
    <p class="crumbs"><${Link} to="/admin/partners">Partners</${Link}></p>
    <div class="page-head">
      <h1>${partner.title}${partner.shortTitle && partner.shortTitle !== partner.title
        && html` <span class="chip">${partner.shortTitle}</span>`}</h1>
      ${!editing && html`<div class="actions">
        ${portals.includes('CLUSTER') && html`<${Link} class="btn btn-secondary"
          to=${href('/admin/users', { portal: 'CLUSTER', partner: partner.id, partnerName: partner.title })}>Users of this partner</${Link}>`}
        <${Link} class="btn btn-primary" to=${href(self, { edit: 1 })}>Edit</${Link}>
      </div>`}
    </div>
    ${created && !editing && html`<${Notice} kind="success" onClose=${() => navigate(self, { replace: true })}>Partner created.</${Notice}>`}
    ${saved && !editing && html`<${Notice} kind="success" onClose=${() => setSaved(false)}>Changes saved.</${Notice}>`}
    ${editing
    ? html`<${EditPartner} partner=${partner} done=${() => { setSaved(true); reload(); navigate(self); }} cancel=${() => navigate(self)} />`
    : html`<${Facts} partner=${partner} loading=${loading} />`}
  </div>`;
}

function Facts({ partner, loading }) {
  return html`<div class="facts-grid" aria-busy=${loading ? 'true' : 'false'}>
    ${GROUPS.map((g) => html`<section class="card" key=${g}>
      <h2>${g}</h2>
      <dl class="facts">${PARTNER_FIELDS.filter((f) => f.group === g && shows(f, partner)).map((f) => html`
        <dt>${f.label}</dt><dd>${shown(f, partner)}</dd>`)}</dl>
    </section>`)}
    <section class="card">
      <h2>Clusters</h2>
      ${partner.clusters.length
    ? html`<ul class="plain">${partner.clusters.map((c) => html`<li key=${c.id}>${c.fullTitle}</li>`)}</ul>`
    : html`<p class="muted">The partner works in no cluster.</p>`}
    </section>
    <section class="card">
      <h2>Record</h2>
      <dl class="facts">
        <dt>ID</dt><dd><code>${partner.id}</code></dd>
        <dt>Created</dt><dd>${formatDateTime(partner.createdAt)}</dd>
        <dt>Last changed</dt><dd>${formatDateTime(partner.updatedAt)}</dd>
      </dl>
    </section>
  </div>`;
}

// == forms ==

// Form values are strings ('' = not set); clusters are { id, label }.
function formValues(partner) {
  const values = {};
  for (const f of PARTNER_FIELDS) {
    const x = partner ? partner[f.name] : f.initial;
    values[f.name] = x == null ? '' : String(x);
  }
  values.clusters = (partner?.clusters || []).map((c) => ({ id: c.id, label: c.fullTitle }));
  return values;
}

function inputValue(f, text) {
  const t = text.trim();
  if (t === '') return f.required ? '' : null;
  return f.kind === 'int' ? Number(t) : t;
}

// Only what the form must know before asking: required fields and numbers that the API's
// scalar types (Int, Decimal) would refuse for the whole request.
function check(values) {
  const errors = [];
  const add = (name, message) => errors.push({ code: 'REQUIRED', field: ['input', name], message });
  for (const f of PARTNER_FIELDS) {
    const t = shows(f, values) ? values[f.name].trim() : '';
    if (f.required && !t) add(f.name, 'Required.');
    else if (t && f.kind === 'int' && !(/^-?\d{1,9}$/.test(t))) add(f.name, 'Enter a whole number.');
    else if (t && f.kind === 'decimal' && !(/^-?\d+(\.\d+)?$/.test(t))) add(f.name, 'Enter a number such as 1250.50.');
  }
  return errors;
}

function createInput(values) {
  const input = {};
  for (const f of PARTNER_FIELDS) {
    const v = inputValue(f, shows(f, values) ? values[f.name] : '');
    if (v !== null) input[f.name] = v;
  }
  if (values.clusters.length) input.clusterIds = values.clusters.map((c) => c.id);
  return input;
}

// `updatePartner` gets only the changed fields; null clears one; clusterIds replaces the set.
function updateInput(partner, values) {
  const before = formValues(partner);
  const input = {};
  for (const f of PARTNER_FIELDS) {
    const now = shows(f, values) ? values[f.name].trim() : '';
    if (now !== before[f.name].trim()) input[f.name] = inputValue(f, now);
  }
  const ids = (list) => list.map((c) => c.id).sort().join(' ');
  if (ids(values.clusters) !== ids(before.clusters)) input.clusterIds = values.clusters.map((c) => c.id);
  return input;
}

export function NewPartner() {
  const { run, busy } = useMutation(CREATE_PARTNER, 'createPartner');
  const save = async (values) => {
    const payload = await run({ input: createInput(values) });
    if (payload.partner) navigate(href(`/admin/partners/${encodeURIComponent(payload.partner.id)}`, { created: 1 }));
    return payload.errors;
  };
  return html`<div class="partner">
    <p class="crumbs"><${Link} to="/admin/partners">Partners</${Link}></p>
    <h1>New partner</h1>
    <${PartnerForm} initial=${formValues(null)} save=${save} busy=${busy} submitLabel="Create partner"
      cancel=${() => navigate('/admin/partners')} />
  </div>`;
}

function EditPartner({ partner, done, cancel }) {
  const { run, busy } = useMutation(UPDATE_PARTNER, 'updatePartner');
  const [unchanged, setUnchanged] = useState(false);
  const save = async (values) => {
    const changes = updateInput(partner, values);
    if (!Object.keys(changes).length) {
      setUnchanged(true);
      return [];
    }
    setUnchanged(false);
    const payload = await run({ input: { id: partner.id, ...changes } });
    if (payload.partner) done();
    return payload.errors;
  };
  return html`<div>
    <h2>Edit partner</h2>
    ${unchanged && html`<${Notice} onClose=${() => setUnchanged(false)}>Nothing has changed: there is nothing to save.</${Notice}>`}
    <${PartnerForm} initial=${formValues(partner)} save=${save} busy=${busy} submitLabel="Save changes" cancel=${cancel} />
  </div>`;
}

function PartnerForm({ initial, save, busy, submitLabel, cancel }) {
  const [values, setValues] = useState(initial);
  const [errors, setErrors] = useState([]);
  const formRef = useRef(null);
  useFocusInvalid(formRef, errors);
  const clusters = useClusters();
  const set = (name, value) => setValues((v) => {
    const next = { ...v, [name]: value };
    for (const f of PARTNER_FIELDS) if (!shows(f, next)) next[f.name] = '';
    return next;
  });
  const byField = errorsByField(errors);
  const clusterErrors = Object.keys(byField).filter((k) => k.startsWith('input.clusterIds')).flatMap((k) => byField[k]);
  const shownKeys = [
    ...PARTNER_FIELDS.filter((f) => shows(f, values)).map((f) => `input.${f.name}`),
    ...Object.keys(byField).filter((k) => k.startsWith('input.clusterIds')),
  ];

  const submit = async (e) => {
    e.preventDefault();
    const local = check(values);
    if (local.length) {
      setErrors(local);
      return;
    }
    try {
      setErrors(await save(values) || []);
    } catch (err) {
      setErrors(asErrors(err));
    }
  };

  return html`<form ref=${formRef} class="partner-form" noValidate onSubmit=${submit}>
    ${GROUPS.map((g) => html`<fieldset class="card group" key=${g}>
      <legend>${g}</legend>
      <div class="form-grid">
        ${PARTNER_FIELDS.filter((f) => f.group === g && shows(f, values)).map((f) => html`<${Control}
          key=${f.name} f=${f} value=${values[f.name]} set=${set} errors=${byField[`input.${f.name}`]} />`)}
      </div>
    </fieldset>`)}
    <${ClusterChooser} chosen=${values.clusters} options=${clusters} errors=${clusterErrors}
      onChange=${(list) => set('clusters', list)} />
    <${Refusals} errors=${errors} shown=${shownKeys} />
    <div class="actions">
      <${Button} kind="secondary" onClick=${cancel} disabled=${busy}>Cancel</${Button}>
      <${Button} type="submit" busy=${busy}>${submitLabel}</${Button}>
    </div>
  </form>`;
}

const INPUT_TYPES = { email: 'email', tel: 'tel' };
const INPUT_MODES = { int: 'numeric', decimal: 'decimal', email: 'email', tel: 'tel' };

function Control({ f, value, set, errors }) {
  const label = f.required ? html`${f.label} <span class="req">(required)</span>` : f.label;
  const onInput = (e) => set(f.name, e.currentTarget.value);
  return html`<${Field} label=${label} hint=${f.hint} errors=${errors}>
    ${(p) => (f.kind === 'select'
    ? html`<select ...${p} name=${f.name} value=${value} onChange=${onInput}>
        ${!f.required && html`<option value="">Not set</option>`}
        ${Object.entries(f.options).map(([v, l]) => html`<option value=${v}>${l}</option>`)}
      </select>`
    : html`<input ...${p} name=${f.name} value=${value} onInput=${onInput}
        type=${INPUT_TYPES[f.kind] || 'text'} inputmode=${INPUT_MODES[f.kind]}
        maxlength=${f.maxLength} aria-required=${f.required ? 'true' : undefined} />`)}
  </${Field}>`;
}

// The partner's clusters: the chosen ones with a remove button each, and a picker to add one.
function ClusterChooser({ chosen, options, errors, onChange }) {
  const [text, setText] = useState('');
  const ids = new Set(chosen.map((c) => c.id));
  const rest = useMemo(() => (options || []).filter((o) => !ids.has(o.id)), [options, chosen]);
  const messages = (errors || []).map((e) => e.message);
  return html`<fieldset class="card group">
    <legend>Clusters</legend>
    ${chosen.length
    ? html`<ul class="plain chosen">${chosen.map((c) => html`<li key=${c.id}>
        <span>${c.label}</span>
        <button type="button" class="link" aria-label=${`Remove ${c.label}`}
          onClick=${() => onChange(chosen.filter((x) => x.id !== c.id))}>Remove</button>
      </li>`)}</ul>`
    : html`<p class="muted">No cluster chosen.</p>`}
    ${options === null && html`<${Loading} what="Loading clusters" />`}
    ${options && (rest.length
    ? html`<${TextPicker} label="Add a cluster" name="addCluster" text=${text} options=${rest}
        hint="Type, then choose" errors=${messages} onText=${setText}
        onPick=${(c) => { if (c) { onChange([...chosen, c]); setText(''); } }} />`
    : html`${messages.length > 0 && html`<p class="error-text" role="alert">${messages.join(' ')}</p>`}
        ${!options.length && html`<p class="muted">No clusters to choose from.</p>`}`)}
  </fieldset>`;
}
