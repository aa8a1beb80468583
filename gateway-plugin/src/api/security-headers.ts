import { createHash } from 'node:crypto';

/**
 * The browser hardening headers of every answer: a Content Security Policy
 * (one for the pages, a closed one for the API's JSON), who may frame the
 * pages, no referrer, and HSTS where a browser keeps it.
 */

/** Where the gateway's pages may be framed: their own origin, and the Windows Admin Center that embeds the extension when one is configured. */
function frameAncestors(wacOrigin: string | undefined): string {
  return `frame-ancestors 'self'${wacOrigin ? ` ${wacOrigin}` : ''}`;
}

/**
 * The pages' policy: scripts only from the gateway's own files (no inline
 * script, no eval), styles from its files and inline (Angular 15 adds each
 * component's styles as a <style> element and has no nonce for them), the
 * API on the same origin, and the host page's frame only from the same origin.
 * A page with its own inline scripts names each by its hash.
 */
export function pagePolicy(wacOrigin?: string, inlineScripts: readonly string[] = []): string {
  return [
    "default-src 'self'",
    ["script-src 'self'", ...inlineScripts.map((s) => `'sha256-${createHash('sha256').update(s).digest('base64')}'`)].join(' '),
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "frame-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    frameAncestors(wacOrigin),
  ].join('; ');
}

/** The API's policy: its answers are data, never a document that loads or frames anything. */
export const API_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/** HSTS for a year; only where the browser reached the gateway by a name or address other than loopback. */
export const HSTS = 'max-age=31536000';

/**
 * Whether a request's host is this machine: HSTS there would hold every
 * other service on localhost to HTTPS, so it is left out.
 */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return host === 'localhost' || host.endsWith('.localhost') || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);
}
