// Placeholder until the screen is built.
import { html } from '../lib.js';

export function Profile() {
  return html`<h1>Profile</h1><p>Not built yet.</p>`;
}
