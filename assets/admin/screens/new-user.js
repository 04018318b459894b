// Placeholder until the screen is built.
import { html } from '../lib.js';

export function NewUser() {
  return html`<h1>NewUser</h1><p>Not built yet.</p>`;
}
