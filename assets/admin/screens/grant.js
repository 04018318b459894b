// Placeholder until the screen is built.
import { html } from '../lib.js';

export function Grant() {
  return html`<h1>Grant</h1><p>Not built yet.</p>`;
}
