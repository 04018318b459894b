// Placeholder until the screen is built.
import { html } from '../lib.js';

export function Partners() {
  return html`<h1>Partners</h1><p>Not built yet.</p>`;
}
export function PartnerDetail() {
  return html`<h1>Partner</h1><p>Not built yet.</p>`;
}
export function NewPartner() {
  return html`<h1>New partner</h1><p>Not built yet.</p>`;
}
