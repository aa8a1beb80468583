import { randomUUID } from 'node:crypto';
import { createSasToken, hybridConnectionOf, parseSasToken, sasResourceCovers, sasResourceOf } from './sas';

/**
 * The sender side of Azure Relay Hybrid Connections: the support console
 * connects a WebSocket to `wss://NAMESPACE/$hc/NAME?sb-hc-action=connect`
 * with a Send token in the `ServiceBusAuthorization` header. The relay strips
 * that header and passes every other one on to the listener, so the
 * engineer's `Authorization: Bearer` token reaches the gateway untouched.
 */

/** How long a Send token the console mints from a key lives. */
export const SENDER_TOKEN_LIFETIME_MS = 60 * 60_000;

/** The URL a sender connects to; the id shows up on the listener's side for tracing. */
export function relayConnectUrl(address: string, id: string = randomUUID()): string {
  const hc = hybridConnectionOf(address);
  if (!hc) throw new RangeError(`not a Hybrid Connections address (wss://NAMESPACE/$hc/NAME): ${address}`);
  return `wss://${hc.host}/$hc/${encodeURIComponent(hc.path)}?sb-hc-action=connect&sb-hc-id=${encodeURIComponent(id)}`;
}

/** A Send token for the address: the one given (checked), or one minted from a key. */
export function senderToken(address: string, credential: { sas: string } | { keyName: string; key: string }, now: number): string {
  if ('sas' in credential) {
    const parsed = parseSasToken(credential.sas);
    if (!parsed) throw new RangeError('it is not a Shared Access Signature ("SharedAccessSignature sr=…&sig=…&se=…&skn=…")');
    if (parsed.expiresAt <= now) throw new RangeError(`it expired at ${new Date(parsed.expiresAt).toISOString()}`);
    if (!sasResourceCovers(parsed.resource, sasResourceOf(address))) throw new RangeError(`it is for ${parsed.resource}, not for ${sasResourceOf(address)}`);
    return credential.sas;
  }
  return createSasToken(sasResourceOf(address), credential.keyName, credential.key, now + SENDER_TOKEN_LIFETIME_MS);
}
