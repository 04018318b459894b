// Placeholder until the screen is built.
import { html } from '../lib.js';

export function AuditLog() {
  return html`<h1>AuditLog</h1><p>Not built yet.</p>`;
}
