import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Shared Access Signatures as Azure Relay reads them:
 * `SharedAccessSignature sr=<enc(resource)>&sig=<enc(base64 HMAC-SHA256)>&se=<expiry, epoch seconds>&skn=<key name>`,
 * where the HMAC is keyed with the key's text (its UTF-8 bytes, not a decoded
 * base64) over `enc(resource) + "\n" + expiry`. The resource is the Hybrid
 * Connection (or the whole namespace) as an http URL without the `$hc/`
 * infix, the port or a query: `http://contoso.servicebus.windows.net/hci-cl01`.
 */

export const SAS_PREFIX = 'SharedAccessSignature ';

/** The rights a Relay SAS rule can confer. */
export type RelayRight = 'Listen' | 'Send' | 'Manage';

export interface ParsedSasToken {
  /** The resource URI, decoded. */
  resource: string;
  /**
   * The resource as the token carries it (URL-encoded): the signature covers
   * these exact characters, whichever way the client encoded them (.NET's
   * HttpUtility writes `http%3a%2f%2f…`, encodeURIComponent `http%3A%2F%2F…`).
   */
  signedResource: string;
  /** The signature, decoded (base64). */
  signature: string;
  /** Expiry, epoch milliseconds. */
  expiresAt: number;
  keyName: string;
}

/** Parses a SAS token's fields; null when it is not one (missing field, bad expiry). Never checks the signature. */
export function parseSasToken(token: string): ParsedSasToken | null {
  if (typeof token !== 'string' || !token.startsWith(SAS_PREFIX) || token.length > 4096) return null;
  const fields = new Map<string, string>();
  const raw = new Map<string, string>();
  for (const part of token.slice(SAS_PREFIX.length).split('&')) {
    const eq = part.indexOf('=');
    if (eq <= 0) return null;
    try {
      fields.set(part.slice(0, eq), decodeURIComponent(part.slice(eq + 1)));
      raw.set(part.slice(0, eq), part.slice(eq + 1));
    } catch {
      return null;
    }
  }
  const resource = fields.get('sr');
  const signature = fields.get('sig');
  const se = fields.get('se');
  const keyName = fields.get('skn');
  if (!resource || !signature || !se || !keyName || !/^\d{1,12}$/.test(se)) return null;
  return { resource, signedResource: raw.get('sr')!, signature, expiresAt: Number(se) * 1000, keyName };
}

/** The signature of a resource and expiry (epoch seconds) under a key. */
export function sasSignature(resource: string, expirySeconds: number, key: string): string {
  return signatureOver(encodeURIComponent(resource), expirySeconds, key);
}

/** HMAC-SHA256 under the key's UTF-8 bytes over `<encoded resource>\n<expiry>`, base64. */
function signatureOver(encodedResource: string, expirySeconds: number, key: string): string {
  return createHmac('sha256', Buffer.from(key, 'utf8')).update(`${encodedResource}\n${expirySeconds}`).digest('base64');
}

/** Creates a token for a resource, valid until `expiresAt` (epoch ms, rounded down to the second). */
export function createSasToken(resource: string, keyName: string, key: string, expiresAt: number): string {
  const se = Math.floor(expiresAt / 1000);
  return `${SAS_PREFIX}sr=${encodeURIComponent(resource)}&sig=${encodeURIComponent(sasSignature(resource, se, key))}&se=${se}&skn=${encodeURIComponent(keyName)}`;
}

/**
 * The Hybrid Connection an address names, split: `wss://host[:port]/$hc/<path>[/suffix][?query]`.
 * Returns null when the address is not a Hybrid Connections address.
 */
export function hybridConnectionOf(address: string): { host: string; hostname: string; path: string } | null {
  let url: URL;
  try {
    url = new URL(address);
  } catch {
    return null;
  }
  if (url.protocol !== 'wss:' && url.protocol !== 'https:') return null;
  const match = /^\/\$hc\/([^/?#]+)/i.exec(url.pathname);
  if (!match) return null;
  let path: string;
  try {
    path = decodeURIComponent(match[1]!);
  } catch {
    return null;
  }
  return { host: url.host, hostname: url.hostname.toLowerCase(), path };
}

/** The SAS resource URI of a Hybrid Connection address: `http://<hostname>/<path>`. */
export function sasResourceOf(address: string): string {
  const hc = hybridConnectionOf(address);
  if (!hc) throw new RangeError(`not a Hybrid Connections address (wss://NAMESPACE/$hc/NAME): ${address}`);
  return `http://${hc.hostname}/${encodeURIComponent(hc.path)}`;
}

/**
 * The Hybrid Connection address a SAS resource names (`http(s)://<host>/<path>` or `sb://…`),
 * for a grant's SAS credential: `wss://<host>/$hc/<path>`. Null for a namespace-wide token
 * (no path: the Hybrid Connection must then come from configuration).
 */
export function addressOfSasResource(resource: string): string | null {
  const url = resourceUrl(resource);
  if (!url) return null;
  const path = url.pathname.replace(/^\/+|\/+$/g, '');
  if (!path || path.includes('/')) return null;
  return `wss://${url.host}/$hc/${path}`;
}

/** A SAS resource as a URL: http, https or sb; null for anything else. */
function resourceUrl(resource: string): URL | null {
  let url: URL;
  try {
    url = new URL(resource);
  } catch {
    return null;
  }
  return ['http:', 'https:', 'sb:'].includes(url.protocol) ? url : null;
}

/** Normalizes a resource URI for comparison: any of http/https/sb, no port, lower case, no trailing slash. */
function normalizedResource(resource: string): string | null {
  const url = resourceUrl(resource);
  if (!url) return null;
  let path: string;
  try {
    path = decodeURIComponent(url.pathname);
  } catch {
    return null;
  }
  return `${url.hostname.toLowerCase()}/${path.replace(/^\/+|\/+$/g, '').toLowerCase()}`;
}

/** Whether a token's resource covers a Hybrid Connection: the same entity, or its namespace. */
export function sasResourceCovers(tokenResource: string, hybridConnection: string): boolean {
  const granted = normalizedResource(tokenResource);
  const wanted = normalizedResource(hybridConnection);
  if (granted === null || wanted === null) return false;
  return wanted === granted || wanted.startsWith(granted.endsWith('/') ? granted : granted + '/');
}

/** A key a relay (or a test) checks tokens against. */
export interface SasRule {
  keyName: string;
  key: string;
  rights: readonly RelayRight[];
}

export type SasVerdict =
  | { ok: true; token: ParsedSasToken }
  | { ok: false; status: 401 | 403; reason: string };

/**
 * Checks a token for an action on a Hybrid Connection the way the service
 * does: 401 when it is missing, malformed, signed with an unknown key or a
 * wrong signature, or expired; 403 when it is valid but not for this entity or
 * lacks the right.
 */
export function verifySasToken(token: string | undefined | null, hybridConnection: string, right: RelayRight, rules: readonly SasRule[], now: number): SasVerdict {
  if (!token) return { ok: false, status: 401, reason: 'The security token is missing' };
  const parsed = parseSasToken(token);
  if (!parsed) return { ok: false, status: 401, reason: 'The security token is malformed' };
  const rule = rules.find((r) => r.keyName === parsed.keyName);
  if (!rule) return { ok: false, status: 401, reason: `The security token names an unknown key ${parsed.keyName}` };
  const expected = Buffer.from(signatureOver(parsed.signedResource, parsed.expiresAt / 1000, rule.key));
  const given = Buffer.from(parsed.signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return { ok: false, status: 401, reason: 'The security token signature is invalid' };
  if (parsed.expiresAt <= now) return { ok: false, status: 401, reason: `The security token expired at ${new Date(parsed.expiresAt).toISOString()}` };
  if (!sasResourceCovers(parsed.resource, hybridConnection)) return { ok: false, status: 403, reason: 'The security token is not valid for this Hybrid Connection' };
  if (!rule.rights.includes(right) && !rule.rights.includes('Manage')) return { ok: false, status: 403, reason: `The security token does not confer the ${right} right` };
  return { ok: true, token: parsed };
}
