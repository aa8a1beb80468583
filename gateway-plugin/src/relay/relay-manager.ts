import type { Agent } from 'node:http';
import { AcceptMessage, HybridConnectionListener, HybridConnectionListenerOptions, ListenerToken, Rendezvous, RelayStatus } from './hybrid-connection-listener';
import { addressOfSasResource, createSasToken, hybridConnectionOf, parseSasToken, sasResourceOf } from './sas';

/**
 * Keeps one cluster's relay listener in step with its grant: it listens only
 * while a grant is active, on the Hybrid Connection and with the credential
 * that fit the cluster (registered: the configured address and Listen key;
 * unregistered: the grant's SAS credential), and closes when the grant ends.
 */

/** The relay settings of a cluster, read from configuration (relay.*). */
export interface RelaySettings {
  /** wss://NAMESPACE/$hc/NAME. Required for a registered cluster; for an unregistered one it overrides the SAS credential's resource. */
  address?: string;
  /** A key with the Listen right: how a registered cluster's listener mints its tokens. */
  key?: { keyName: string; key: string };
  /** An extra CA (the local relay, a TLS-inspecting proxy). */
  ca?: string;
  /** The outbound proxy tunnel. */
  agent?: Agent;
}

/** The active grant as the relay needs it. */
export interface RelayGrant {
  id: string;
  /** The SAS credential the grant carries (unregistered clusters), decrypted. */
  sasCredential: string | null;
}

/** The relay as status shows it: the listener's status, or closed with why. */
export type RelayView = Omit<RelayStatus, 'address'> & { address: string | null };

/** How long a minted listener token lives; the listener renews it well before. */
export const LISTENER_TOKEN_LIFETIME_MS = 60 * 60_000;

export interface RelayManagerOptions {
  cluster: string;
  registered: boolean;
  settings: RelaySettings;
  activeGrant: () => RelayGrant | null;
  onAccept: (accept: AcceptMessage, rendezvous: Rendezvous) => void;
  /** Every change of the relay's status (for the event stream). */
  onStatus?: (view: RelayView) => void;
  log: (line: string) => void;
  now?: () => number;
  /** Listener tuning (tests shorten the backoff and the pings). */
  listener?: Pick<HybridConnectionListenerOptions, 'backoff' | 'pingIntervalMs' | 'renewBeforeMs' | 'random'>;
  /** Lifetime of the tokens minted from a key (tests shorten it to see renewals). */
  tokenLifetimeMs?: number;
}

interface Plan {
  /** Same key, same listener: a new grant on a registered cluster keeps listening. */
  key: string;
  address: string;
  renewable: boolean;
  token: () => ListenerToken;
}

export class RelayManager {
  private listener: { key: string; listener: HybridConnectionListener } | null = null;
  private closedView: RelayView;
  private closing = false;
  private readonly now: () => number;

  constructor(private readonly options: RelayManagerOptions) {
    this.now = options.now ?? Date.now;
    this.closedView = this.closed(options.settings.address ?? null, null);
  }

  /** The relay's state now. */
  get status(): RelayView {
    return this.listener ? this.listener.listener.status : { ...this.closedView };
  }

  /** Opens, keeps or closes the listener to match the grant now. Call on every grant change and at start. */
  reconcile(): void {
    if (this.closing) return;
    const grant = this.options.activeGrant();
    let plan: Plan | null = null;
    let problem: string | null = null;
    if (grant) {
      try {
        plan = this.planFor(grant);
      } catch (e) {
        problem = e instanceof Error ? e.message : String(e);
      }
    }
    if (plan && this.listener?.key === plan.key) return;
    const old = this.listener;
    this.listener = null;
    if (old) {
      this.closedView = this.closed(old.listener.status.address, null);
      void old.listener.close();
      this.options.log(`relay: stopped listening on ${old.listener.status.address}${grant ? '' : ' (no active grant)'}`);
    }
    if (problem) {
      this.options.log(`relay: cannot listen: ${problem}`);
      this.closedView = this.closed(this.options.settings.address ?? null, problem);
    }
    if (plan) {
      const listener = new HybridConnectionListener({
        address: plan.address,
        token: plan.token,
        renewable: plan.renewable,
        onAccept: this.options.onAccept,
        onStatus: (s) => {
          if (this.listener?.listener === listener) this.options.onStatus?.(s);
        },
        log: this.options.log,
        ...(this.options.settings.ca ? { ca: this.options.settings.ca } : {}),
        ...(this.options.settings.agent ? { agent: this.options.settings.agent } : {}),
        ...(this.options.now ? { now: this.options.now } : {}),
        ...this.options.listener,
      });
      this.listener = { key: plan.key, listener };
      listener.start();
    } else if (old || problem) {
      this.options.onStatus?.(this.status);
    }
  }

  /** Closes the listener for good (shutdown). */
  async close(): Promise<void> {
    this.closing = true;
    const old = this.listener;
    this.listener = null;
    if (old) await old.listener.close();
  }

  private planFor(grant: RelayGrant): Plan {
    const { settings, registered, cluster } = this.options;
    if (registered) {
      if (!settings.address || !settings.key) {
        throw new Error(`${cluster} is registered with Azure, so the relay's address and Listen key come from configuration (relay.address, relay.keyName, relay.keyFile), and they are not set`);
      }
      const { keyName, key } = settings.key;
      const resource = sasResourceOf(settings.address);
      const lifetime = this.options.tokenLifetimeMs ?? LISTENER_TOKEN_LIFETIME_MS;
      return {
        key: `config ${settings.address}`,
        address: settings.address,
        renewable: true,
        token: () => {
          const expiresAt = this.now() + lifetime;
          return { token: createSasToken(resource, keyName, key, expiresAt), expiresAt };
        },
      };
    }
    const sas = grant.sasCredential;
    if (!sas) throw new Error(`${cluster} is not registered with Azure, and the active grant carries no SAS credential to listen with`);
    const parsed = parseSasToken(sas);
    if (!parsed) throw new Error("the active grant's SAS credential is not a Shared Access Signature");
    const address = settings.address ?? addressOfSasResource(parsed.resource);
    if (!address || !hybridConnectionOf(address)) {
      throw new Error(`the grant's SAS credential is for ${parsed.resource}, which names no Hybrid Connection; set relay.address to wss://NAMESPACE/$hc/NAME`);
    }
    return {
      key: `grant ${grant.id} ${address}`,
      address,
      renewable: false,
      token: () => {
        if (parsed.expiresAt <= this.now()) {
          throw new Error(`the grant's SAS credential expired at ${new Date(parsed.expiresAt).toISOString()}; grant access again with a new one`);
        }
        return { token: sas, expiresAt: parsed.expiresAt };
      },
    };
  }

  private closed(address: string | null, error: string | null): RelayView {
    return { state: 'closed', address, since: this.now(), error, attempts: 0, nextRetryAt: null, connectedAt: null };
  }
}
