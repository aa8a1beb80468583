import { createHash } from 'node:crypto';

/**
 * The terms an admin agrees to before a grant. The grant records the version:
 * the SHA-256 of this exact text, so a later change of wording is visible in
 * every grant made before it.
 */
export const TERMS_TEXT = [
  'Remote support terms',
  '',
  '1. Access. While this grant is active, a support engineer working on your support case can connect to the nodes of this cluster and run the commands that the chosen access level allows. Diagnostics allows only commands that read state. DiagnosticsRepair also allows a short list of repair commands, such as starting, stopping or restarting named cluster services. Nothing outside that list can run.',
  '2. Duration and revocation. Access ends by itself at the expiry time you choose. You can revoke it at any moment; revoking ends every open session at once and refuses new ones.',
  '3. Records. Every command the engineer runs, its output and every refused command are recorded in a transcript you can read, verify and export. Transcripts are kept for 90 days, then deleted.',
  '4. Logs. To work on the case, the engineer may collect diagnostic logs from the nodes and upload them to a storage account that the support organization manages. Those logs are used to resolve the support case and to improve the product, not for marketing or advertising, and are kept for up to 90 days under the support organization\'s privacy practices.',
  '5. Data already collected. Revoking or letting access expire stops further access; it does not recall or delete logs and data collected before that moment.',
].join('\n');

export const TERMS_VERSION = createHash('sha256').update(TERMS_TEXT, 'utf8').digest('hex');
