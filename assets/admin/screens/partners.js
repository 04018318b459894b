// Partners: the list, a partner's facts and edit form, the new-partner form.
import { html, useState, useEffect } from '../lib.js';
import { PARTNERS_PAGE, PARTNER_DETAIL, CREATE_PARTNER, UPDATE_PARTNER } from '../ops.js';
import { navigate, href, Link, partnerPath } from '../router.js';
import { useViewer } from '../viewer.js';
import {
  PARTNER_TYPE_LABELS, CSO_TYPE_LABELS, SHARED_PARTNER_LABELS, formatDate, formatDateTime,
} from '../labels.js';
import {
  useQuery, useMutation, useForm, Field, Select, Notice, ErrorNotice, Loading, Button, TextPicker, PayloadErrors,
  useClusterOptions, req, facts,
} from '../ui.js';
import {
  pageState, pageQuery, updater, orderOf, pageVariables, HeadRow, Summary, Pager, ListFilters, ClusterFilter,
} from '../list.js';

const CSO = 'CIVIL_SOCIETY_ORGANIZATION';

// Partner's editable fields for the facts and both forms: [name, label, kind, extra]; `when`
// hides a field (and clears its value) while the other values forbid it.
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
const clusterList = (clusters, none) => (clusters.length
  ? html`<ul class="plain">${clusters.map((c) => html`<li key=${c.id}>${c.fullTitle}</li>`)}</ul>`
  : none);

// == list ==

const SORTS = { title: 'TITLE', type: 'PARTNER_TYPE', created: 'ID' };

function listState(query) {
  return {
    q: query.get('q') || '',
    type: PARTNER_TYPE_LABELS[query.get('type')] ? query.get('type') : '',
    cluster: query.get('cluster') || '',
    clusterName: query.get('clusterName') || '',
    ...pageState(query, SORTS),
  };
}

function listHref(s, changes) {
  const n = { ...s, ...changes };
  return href('/admin/partners', {
    q: n.q, type: n.type, cluster: n.cluster, clusterName: n.cluster ? n.clusterName : '', ...pageQuery(n),
  });
}

export function Partners({ query }) {
  const s = listState(query);
  const hrefOf = (changes) => listHref(s, changes);
  const update = updater(hrefOf);
  const filter = {};
  if (s.q.trim()) filter.title = s.q.trim();
  if (s.type) filter.partnerType = s.type;
  if (s.cluster) filter.clusterIds = [s.cluster];
  const { data, error, loading } = useQuery(PARTNERS_PAGE, { filter, orderBy: orderOf(s, SORTS), ...pageVariables(s) });
  const page = data?.partners;

  return html`<div class="partners">
    <div class="page-head">
      <h1>Partners</h1>
      <${Link} class="btn btn-primary" to="/admin/partners/new">New partner</${Link}>
    </div>
    <${ListFilters} s=${s} update=${update} label="Filter partners" search="Title" active=${s.q || s.type || s.cluster}
      clear=${{ q: '', type: '', cluster: '' }}>
      <${Select} label="Partner type" name="type" value=${s.type} empty="Any type"
        options=${Object.entries(PARTNER_TYPE_LABELS)} onChange=${(type) => update({ type })} />
      <${ClusterFilter} s=${s} update=${update} on=${s.cluster} />
    </${ListFilters}>
    <${ErrorNotice} error=${error} />
    ${loading && !page && html`<${Loading} what="Loading partners" />`}
    ${page && html`
      <${Summary} s=${s} page=${page} loading=${loading} noun="partners" />
      <${PartnerTable} s=${s} page=${page} update=${update} />
      <${Pager} s=${s} page=${page} hrefOf=${hrefOf} />
    `}
  </div>`;
}

function PartnerTable({ s, page, update }) {
  if (!page.nodes.length) return null;
  return html`<div class="table-wrap"><table class="list">
    <${HeadRow} s=${s} update=${update} columns=${[['title', 'Title'], ['type', 'Type'], ['', 'Clusters'],
      ['', 'Vendor number'], ['', 'Country'], ['created', 'Created']]} />
    <tbody>${page.nodes.map((p) => html`<tr key=${p.id}>
      <td data-label="Title"><${Link} to=${partnerPath(p.id)}>${p.title}</${Link}>
        ${p.shortTitle && p.shortTitle !== p.title && html`<div class="muted">${p.shortTitle}</div>`}</td>
      <td data-label="Type">${p.partnerTypeDisplay}${p.csoType && html`<div class="muted">${CSO_TYPE_LABELS[p.csoType] ?? p.csoType}</div>`}</td>
      <td data-label="Clusters">${clusterList(p.clusters, html`<span class="muted">None</span>`)}</td>
      <td data-label="Vendor number">${p.vendorNumber || '—'}</td>
      <td data-label="Country">${p.countryCode || '—'}</td>
      <td data-label="Created">${formatDate(p.createdAt)}</td>
    </tr>`)}</tbody>
  </table></div>`;
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
  const self = partnerPath(params.id);
  useEffect(() => { if (editing) setSaved(false); }, [editing]);

  const all = html`<p><${Link} to="/admin/partners">All partners</${Link}></p>`;
  if (error && !['BAD_USER_INPUT', 'NOT_FOUND'].includes(error.code)) {
    return html`<h1>Partner</h1><${ErrorNotice} error=${error} />${all}`;
  }
  if (!data && !error) return html`<${Loading} what="Loading the partner" />`;
  const partner = data?.partner;
  if (!partner) {
    return html`<h1>Partner</h1>
      <${Notice} kind="warning">This partner does not exist, or you may not see it.</${Notice}>${all}`;
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
      ${facts(PARTNER_FIELDS.filter((f) => f.group === g && shows(f, partner)).map((f) => [f.label, shown(f, partner)]))}
    </section>`)}
    <section class="card">
      <h2>Clusters</h2>
      ${clusterList(partner.clusters, html`<p class="muted">The partner works in no cluster.</p>`)}
    </section>
    <section class="card">
      <h2>Record</h2>
      ${facts([
        ['ID', html`<code>${partner.id}</code>`],
        ['Created', formatDateTime(partner.createdAt)],
        ['Last changed', formatDateTime(partner.updatedAt)],
      ])}
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

// Required fields, and numbers the API's Int and Decimal would refuse for the whole request.
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
    if (payload.partner) navigate(href(partnerPath(payload.partner.id), { created: 1 }));
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
  const { values, setValues, errors, byField, ref, submit } = useForm(initial);
  const clusters = useClusterOptions();
  const set = (name, value) => setValues((v) => {
    const next = { ...v, [name]: value };
    for (const f of PARTNER_FIELDS) if (!shows(f, next)) next[f.name] = '';
    return next;
  });
  const clusterKeys = Object.keys(byField).filter((k) => k.startsWith('input.clusterIds'));
  const shownKeys = [...PARTNER_FIELDS.filter((f) => shows(f, values)).map((f) => `input.${f.name}`), ...clusterKeys];

  return html`<form ref=${ref} class="partner-form" noValidate onSubmit=${submit(() => check(values), () => save(values))}>
    ${GROUPS.map((g) => html`<fieldset class="card group" key=${g}>
      <legend>${g}</legend>
      <div class="form-grid">
        ${PARTNER_FIELDS.filter((f) => f.group === g && shows(f, values)).map((f) => html`<${Control}
          key=${f.name} f=${f} value=${values[f.name]} set=${set} errors=${byField[`input.${f.name}`]} />`)}
      </div>
    </fieldset>`)}
    <${ClusterChooser} chosen=${values.clusters} options=${clusters} errors=${clusterKeys.flatMap((k) => byField[k])}
      onChange=${(list) => set('clusters', list)} />
    <${PayloadErrors} errors=${errors} shown=${shownKeys} />
    <div class="actions">
      <${Button} kind="secondary" onClick=${cancel} disabled=${busy}>Cancel</${Button}>
      <${Button} type="submit" busy=${busy}>${submitLabel}</${Button}>
    </div>
  </form>`;
}

const INPUT_TYPES = { email: 'email', tel: 'tel' };
const INPUT_MODES = { int: 'numeric', decimal: 'decimal', email: 'email', tel: 'tel' };

function Control({ f, value, set, errors }) {
  const label = f.required ? req(f.label) : f.label;
  if (f.kind === 'select') {
    return html`<${Select} label=${label} hint=${f.hint} errors=${errors} name=${f.name} value=${value}
      empty=${!f.required && 'Not set'} options=${Object.entries(f.options)} onChange=${(v) => set(f.name, v)} />`;
  }
  return html`<${Field} label=${label} hint=${f.hint} errors=${errors}>
    ${(p) => html`<input ...${p} name=${f.name} value=${value} onInput=${(e) => set(f.name, e.currentTarget.value)}
      type=${INPUT_TYPES[f.kind] || 'text'} inputmode=${INPUT_MODES[f.kind]}
      maxlength=${f.maxLength} aria-required=${f.required ? 'true' : undefined} />`}
  </${Field}>`;
}

function ClusterChooser({ chosen, options, errors, onChange }) {
  const [text, setText] = useState('');
  const rest = (options || []).filter((o) => !chosen.some((c) => c.id === o.id));
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
