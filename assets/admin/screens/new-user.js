// Add a user to a portal, then go to the new user's page for its first roles.
import { html, useEffect } from '../lib.js';
import { ADD_USER_PARTNERS, CREATE_USER } from '../ops.js';
import { navigate, href, Link, userPath } from '../router.js';
import { useViewer } from '../viewer.js';
import { PORTALS, PORTAL_LABELS, USER_TYPE_LABELS } from '../labels.js';
import {
  useMutation, useLoad, useForm, useId, gqlRaw, Field, Select, Notice, Loading, Button, TextPicker, PayloadErrors,
  req, errorText, noRole,
} from '../ui.js';

const USER_TYPES = {
  PARTNER: 'Works for a partner organisation.',
  IMO: 'Information management officer of clusters.',
  CLUSTER_ADMIN: 'Cluster system admin: the role comes with the new user.',
};
// Up to this many partners: a select; more: a text field with suggestions.
const SELECT_MAX = 12;
const SHOWN = ['email', 'firstName', 'lastName', 'position', 'userType', 'partnerId'].map((k) => `input.${k}`);

export function NewUser({ query }) {
  const { me, portals } = useViewer();
  const portal = PORTALS.includes(query.get('portal')) ? query.get('portal') : portals[0];
  if (!portal) return noRole('Add user', 'add');
  return html`<${NewUserForm} key=${portal} portal=${portal} me=${me} />`;
}

// { list (null while loading), error }.
const usePartners = (enabled) => useLoad(() => (enabled ? gqlRaw(ADD_USER_PARTNERS).then((r) => ({
  list: (r.data?.assignablePartners || []).map((p) => ({
    id: p.id, label: p.shortTitle && p.shortTitle !== p.title ? `${p.title} (${p.shortTitle})` : p.title,
  })),
  error: r.errors[0] || null,
})) : null), [enabled], { list: null, error: null }, 0, (error) => ({ list: [], error }));

function NewUserForm({ portal, me }) {
  const cluster = portal === 'CLUSTER';
  const { values: v, setValues, errors, byField, ref, submit } = useForm({
    email: '', firstName: '', lastName: '', position: '', userType: cluster ? 'PARTNER' : '', partnerId: '', partnerText: '',
  });
  const partners = usePartners(cluster);
  const { run, busy } = useMutation(CREATE_USER, 'createUser');
  const set = (changes) => setValues((old) => ({ ...old, ...changes }));

  // One partner to choose from: it is the choice.
  useEffect(() => {
    const list = partners.list;
    if (list?.length === 1 && !v.partnerId) set({ partnerId: list[0].id, partnerText: list[0].label });
  }, [partners.list]);

  const check = () => {
    const local = [];
    const need = (name, message) => local.push({ code: 'REQUIRED', field: ['input', name], message });
    if (!v.email.trim()) need('email', 'Required.');
    if (!v.firstName.trim()) need('firstName', 'Required.');
    if (cluster && !v.userType) need('userType', 'Choose a user type.');
    if (cluster && v.userType === 'PARTNER' && !v.partnerId) {
      need('partnerId', v.partnerText ? 'Choose one of the suggested partners.' : 'Required.');
    }
    return local;
  };
  const send = async () => {
    const input = {
      portal,
      email: v.email.trim(),
      firstName: v.firstName,
      lastName: v.lastName,
      position: v.position.trim() || null,
    };
    if (cluster) input.userType = v.userType;
    if (cluster && v.userType === 'PARTNER') input.partnerId = v.partnerId;
    const payload = await run({ input });
    if (payload.user) navigate(href(userPath(payload.user.id), { portal, new: 1 }));
    return payload.errors;
  };

  const text = (name, label, props = {}) => html`<${Field} label=${label} errors=${byField[`input.${name}`]} hint=${props.hint}>
    ${(p) => html`<input ...${p} name=${name} value=${v[name]} onInput=${(e) => set({ [name]: e.currentTarget.value })}
      type=${props.type || 'text'} autocomplete="off" aria-required=${props.required ? 'true' : undefined} />`}
  </${Field}>`;

  return html`<div class="new-user">
    <p class="crumbs"><${Link} to=${href('/admin/users', { portal })}>${PORTAL_LABELS[portal]} users</${Link}></p>
    <h1>${cluster ? 'Add a cluster user' : 'Add an IP user'}</h1>
    <form ref=${ref} class="card" noValidate onSubmit=${submit(check, send)}>
      ${!cluster && html`<${Notice}>The new user joins your partner organisation${me.partner ? html`, <strong>${me.partner.title}</strong>` : ''}.
        Roles come next, on the user's page.</${Notice}>`}
      <div class="form-grid">
        ${text('email', req('Email'), { type: 'email', required: true, hint: 'The invitation goes to this address.' })}
        ${text('firstName', req('First name'), { required: true })}
        ${text('lastName', 'Last name')}
        ${text('position', 'Position')}
      </div>
      ${cluster && html`<${UserTypes} value=${v.userType} errors=${byField['input.userType']}
        onChange=${(userType) => set({ userType })} />`}
      ${cluster && v.userType === 'PARTNER' && html`<div class="form-grid">
        <${PartnerChoice} partners=${partners} v=${v} set=${set} errors=${byField['input.partnerId']} />
      </div>`}
      <${PayloadErrors} errors=${errors} shown=${SHOWN} />
      <div class="actions">
        <${Link} class="btn btn-secondary" to=${href('/admin/users', { portal })}>Cancel</${Link}>
        <${Button} type="submit" busy=${busy}>Add user</${Button}>
      </div>
    </form>
  </div>`;
}

function UserTypes({ value, errors, onChange }) {
  const id = useId('usertype');
  const messages = (errors || []).map((e) => e.message);
  return html`<fieldset class=${`radios ${messages.length ? 'invalid' : ''}`} aria-describedby=${messages.length ? `${id}-error` : undefined}>
    <legend>${req('User type')}</legend>
    ${Object.entries(USER_TYPES).map(([type, hint]) => html`<label key=${type}>
      <input type="radio" name="userType" value=${type} checked=${value === type}
        aria-invalid=${messages.length ? 'true' : undefined} onChange=${() => onChange(type)} />
      <span><strong>${USER_TYPE_LABELS[type]}</strong> <span class="muted">${hint}</span></span>
    </label>`)}
    ${errorText(id, messages)}
  </fieldset>`;
}

function PartnerChoice({ partners, v, set, errors }) {
  if (partners.list === null) return html`<${Loading} what="Loading partners" />`;
  const label = req('Partner');
  const problem = partners.error ? [`The partners cannot be listed: ${partners.error.message}`] : [];
  const all = [...problem, ...(errors || [])];
  if (partners.list.length > SELECT_MAX) {
    return html`<${TextPicker} label=${label} name="partner" text=${v.partnerText} options=${partners.list}
      hint=${v.partnerId ? null : 'Type, then choose'} errors=${all}
      onText=${(partnerText) => set({ partnerText })} onPick=${(p) => set({ partnerId: p ? p.id : '' })} />`;
  }
  return html`<${Select} label=${label} errors=${all} name="partner" value=${v.partnerId}
    empty=${partners.list.length !== 1 && 'Choose a partner'} options=${partners.list.map((o) => [o.id, o.label])}
    onChange=${(partnerId) => set({ partnerId, partnerText: '' })} />`;
}
