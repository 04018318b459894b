// "My profile": the requester as the API knows it, and all of its roles.
import { html } from '../lib.js';
import { href, Link } from '../router.js';
import { useViewer } from '../viewer.js';
import { PORTAL_LABELS, scopeLabel } from '../labels.js';

export function Profile() {
  const { me } = useViewer();
  return html`<div class="profile">
    <h1>My profile</h1>
    <section class="card" aria-label="About me">
      <dl class="facts">
        <dt>Name</dt><dd>${me.fullName}</dd>
        <dt>Email</dt><dd>${me.email}</dd>
        <dt>Partner</dt><dd>${me.partner?.title ?? '—'}</dd>
      </dl>
      <p><${Link} to=${href(`/admin/users/${encodeURIComponent(me.id)}`)}>My record and its history</${Link}></p>
    </section>
    <h2>My roles</h2>
    ${me.roles.length === 0 ? html`<p class="muted">You hold no roles.</p>` : html`<div class="table-wrap"><table class="list">
      <thead><tr><th scope="col">Role</th><th scope="col">Scope</th><th scope="col">Portal</th><th scope="col">Active</th></tr></thead>
      <tbody>${me.roles.map((r) => html`<tr key=${r.id}>
        <td data-label="Role">${r.roleDisplay}</td>
        <td data-label="Scope">${scopeLabel(r)}</td>
        <td data-label="Portal">${PORTAL_LABELS[r.portal] ?? r.portal}</td>
        <td data-label="Active">${r.isActive ? html`<span class="chip chip-active">Active</span>` : html`<span class="chip chip-deactivated">Inactive</span>`}</td>
      </tr>`)}</tbody>
    </table></div>`}
  </div>`;
}
