// Placeholder until the screen is built.
import { html } from '../lib.js';

export function UserDetail() {
  return html`<h1>UserDetail</h1><p>Not built yet.</p>`;
}
