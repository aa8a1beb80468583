import { fieldError } from './errors';

/**
 * A Shared Access Signature for the Azure Relay Hybrid Connection, in the form
 * `SharedAccessSignature sr=<uri>&sig=<signature>&se=<expiry seconds>&skn=<key name>`.
 */
export interface SasCredential {
  resource: string;
  keyName: string;
  expiresAt: number;
}

export const SAS_ALLOWED =
  'a Shared Access Signature "SharedAccessSignature sr=…&sig=…&se=…&skn=…" that has not expired';

/** Parses and checks a SAS credential; throws a field error naming sasCredential. */
export function parseSasCredential(value: unknown, now: number): SasCredential {
  if (typeof value !== 'string' || value.length > 4096) {
    throw fieldError('InvalidSasCredential', 'sasCredential', SAS_ALLOWED);
  }
  const prefix = 'SharedAccessSignature ';
  if (!value.startsWith(prefix)) throw fieldError('InvalidSasCredential', 'sasCredential', SAS_ALLOWED);
  const params = new URLSearchParams(value.slice(prefix.length));
  const sr = params.get('sr');
  const sig = params.get('sig');
  const se = params.get('se');
  const skn = params.get('skn');
  if (!sr || !sig || !se || !skn || !/^\d{1,12}$/.test(se)) {
    throw fieldError('InvalidSasCredential', 'sasCredential', SAS_ALLOWED);
  }
  const expiresAt = Number(se) * 1000;
  if (expiresAt <= now) {
    throw fieldError('InvalidSasCredential', 'sasCredential', SAS_ALLOWED + ' (this one expired at ' + new Date(expiresAt).toISOString() + ')');
  }
  return { resource: sr, keyName: skn, expiresAt };
}
