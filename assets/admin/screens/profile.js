// "My profile": the requester as the API knows it, and all of its roles.
import { html } from '../lib.js';
import { Link, userPath } from '../router.js';
import { useViewer } from '../viewer.js';
import { PORTAL_LABELS, scopeLabel } from '../labels.js';
import { heads, facts } from '../ui.js';

export function Profile() {
  const { me } = useViewer();
  return html`<div class="profile">
    <h1>My profile</h1>
    <section class="card" aria-label="About me">
      ${facts([['Name', me.fullName], ['Email', me.email], ['Partner', me.partner?.title ?? '—']])}
      <p><${Link} to=${userPath(me.id)}>My record and its history</${Link}></p>
    </section>
    <h2>My roles</h2>
    ${me.roles.length === 0 ? html`<p class="muted">You hold no roles.</p>` : html`<div class="table-wrap"><table class="list">
      ${heads(['Role', 'Scope', 'Portal', 'Active'])}
      <tbody>${me.roles.map((r) => html`<tr key=${r.id}>
        <td data-label="Role">${r.roleDisplay}</td>
        <td data-label="Scope">${scopeLabel(r)}</td>
        <td data-label="Portal">${PORTAL_LABELS[r.portal] ?? r.portal}</td>
        <td data-label="Active">${r.isActive ? html`<span class="chip chip-active">Active</span>` : html`<span class="chip chip-deactivated">Inactive</span>`}</td>
      </tr>`)}</tbody>
    </table></div>`}
  </div>`;
}
