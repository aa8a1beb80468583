import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CHANNEL_PATH } from '../channel/channel-path';
import { cliError, usageError } from '../cli/cli-error';
import { resolveDataDir } from '../cli/gateway-client';
import type { GatewayPointer } from '../gateway';
import { hybridConnectionOf } from '../relay/sas';
import { relayConnectUrl, senderToken } from '../relay/sender';
import { CONSOLE_ENV, type ConsoleArgs } from './console-flags';

/** Where the console connects and which CA it trusts, with where each came from (for messages). */
export interface ChannelTarget {
  dataDir: string;
  /** wss://HOST:PORT/api/channel/CLUSTER, or the relay's connect URL (no token in it). */
  url: string;
  urlSource: string;
  /** PEM of the CA that vouches for the gateway (or the relay), or undefined for the system's CAs. */
  ca: string | undefined;
  caSource: string | null;
  /** Through Azure Relay (the Hybrid Connection's address), or straight to the gateway. */
  via: { kind: 'direct' } | { kind: 'relay'; address: string };
  /** Headers the upgrade carries besides the bearer token (the relay's Send token). */
  headers: Record<string, string>;
}

const RELAY_EXAMPLE = 'wss://NAMESPACE.servicebus.windows.net/$hc/NAME';

const CHANNEL_EXAMPLE = 'wss://HOST:PORT/api/channel/CLUSTER';

/**
 * Works out the channel URL and the CA to trust: --gateway, else the gateway
 * the data directory's gateway.json points at. The CA from gateway.json is
 * trusted only for that gateway's own address, so a --gateway elsewhere is
 * checked against --ca-file or the system's CAs; TLS checks are never off.
 */
export function resolveChannelTarget(args: Pick<ConsoleArgs, 'gateway' | 'dataDir' | 'caFile'> & Partial<Pick<ConsoleArgs, 'relay' | 'relaySas' | 'relayKeyName' | 'relayKeyFile' | 'direct'>>, env: NodeJS.ProcessEnv, now: number = Date.now()): ChannelTarget {
  const dataDir = resolveDataDir(args.dataDir, env);
  const pointerPath = join(dataDir, 'gateway.json');
  if (args.gateway === undefined && !args.direct) {
    const relayTarget = resolveRelayTarget(args, env, dataDir, pointerPath, now);
    if (relayTarget) return relayTarget;
  }
  const pointer = args.gateway === undefined || args.caFile === undefined ? readPointer(pointerPath, args.gateway === undefined) : null;

  let url: URL;
  let urlSource: string;
  if (args.gateway !== undefined) {
    url = checkChannelUrl(args.gateway);
    urlSource = '--gateway';
  } else {
    if (!pointer) {
      throw cliError(
        'GatewayUnreachable',
        `No gateway found: ${pointerPath} does not exist, so no gateway has started with that data directory. Pass --gateway ${CHANNEL_EXAMPLE} (and --ca-file), or --data-dir of the gateway's data directory`,
        { field: '--gateway' },
      );
    }
    url = channelUrlOf(pointer, pointerPath);
    urlSource = pointerPath;
  }

  let caFile = args.caFile;
  if (caFile === undefined && pointer?.caFile && pointer.url && sameOrigin(url, pointer.url)) caFile = pointer.caFile;
  return { dataDir, url: url.href, urlSource, ca: readCa(caFile), caSource: caFile ?? null, via: { kind: 'direct' }, headers: {} };
}

/**
 * The relay, when --relay names one or gateway.json carries the local relay
 * (the embedded default): its connect URL, the Send token (given, or minted
 * from a key) and the CA that vouches for it. Null when neither says relay.
 */
function resolveRelayTarget(
  args: Pick<ConsoleArgs, 'caFile'> & Partial<Pick<ConsoleArgs, 'relay' | 'relaySas' | 'relayKeyName' | 'relayKeyFile'>>,
  env: NodeJS.ProcessEnv,
  dataDir: string,
  pointerPath: string,
  now: number,
): ChannelTarget | null {
  let address: string;
  let urlSource: string;
  let credential: { sas: string } | { keyName: string; key: string };
  let caFile = args.caFile;
  const givenSas = args.relaySas ?? env[CONSOLE_ENV.relaySas];
  if (args.relay !== undefined) {
    address = checkRelayUrl(args.relay);
    urlSource = '--relay';
    if (args.relayKeyName !== undefined && args.relayKeyFile !== undefined) {
      credential = { keyName: args.relayKeyName, key: readKey(args.relayKeyFile, '--relay-key-file') };
    } else if (givenSas !== undefined) {
      credential = { sas: givenSas };
    } else {
      throw usageError(`--relay needs a Send token: --relay-sas TOKEN (or $${CONSOLE_ENV.relaySas}), or --relay-key-name with --relay-key-file`, '--relay-sas, or --relay-key-name with --relay-key-file', '--relay-sas');
    }
  } else {
    if (args.relaySas !== undefined || args.relayKeyName !== undefined) throw usageError('--relay-sas and --relay-key-name need --relay: the Hybrid Connection they are for', `--relay ${RELAY_EXAMPLE}`, '--relay');
    const pointer = existsSync(pointerPath) ? readPointer(pointerPath, false) : null;
    const relay = pointer?.relay;
    if (!relay || typeof relay.address !== 'string') return null;
    address = checkRelayUrl(relay.address, pointerPath);
    urlSource = `${pointerPath} (the local relay)`;
    credential = givenSas !== undefined ? { sas: givenSas } : { keyName: String(relay.keyName), key: readKey(String(relay.keyFile), `the relay key file ${pointerPath} names`) };
    caFile ??= typeof relay.caFile === 'string' ? relay.caFile : undefined;
  }
  let token: string;
  try {
    token = senderToken(address, credential, now);
  } catch (e) {
    throw usageError(`--relay-sas cannot be used: ${(e as Error).message}`, 'a Send token for the Hybrid Connection that has not expired', '--relay-sas');
  }
  return {
    dataDir,
    url: relayConnectUrl(address),
    urlSource,
    ca: readCa(caFile),
    caSource: caFile ?? null,
    via: { kind: 'relay', address },
    headers: { ServiceBusAuthorization: token },
  };
}

function checkRelayUrl(raw: string, source = '--relay'): string {
  const hc = hybridConnectionOf(raw);
  let url: URL | null = null;
  try {
    url = new URL(raw);
  } catch {
    /* reported below */
  }
  if (!hc || !url || url.protocol !== 'wss:' || url.search || url.hash || !/^\/\$hc\/[^/]+\/?$/.test(url.pathname)) {
    throw usageError(`${source === '--relay' ? '--relay' : `The relay address in ${source}`} must be a Hybrid Connection, ${RELAY_EXAMPLE} (got ${JSON.stringify(raw.slice(0, 100))})`, RELAY_EXAMPLE, '--relay');
  }
  return `wss://${hc.host}/$hc/${encodeURIComponent(hc.path)}`;
}

function readKey(path: string, what: string): string {
  try {
    const key = readFileSync(path, 'utf8').trim();
    if (key) return key;
  } catch (e) {
    throw usageError(`Cannot read ${what} ${path} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, 'a readable file holding the key', '--relay-key-file');
  }
  throw usageError(`${what} ${path} is empty`, 'a file holding the key', '--relay-key-file');
}

function readCa(caFile: string | undefined): string | undefined {
  if (caFile === undefined) return undefined;
  try {
    return readFileSync(caFile, 'utf8');
  } catch (e) {
    throw cliError(
      'GatewayUnreachable',
      `Cannot read the CA certificate ${caFile} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); pass --ca-file with the certificate that vouches for the gateway (<data dir>/tls/gateway.crt in the embedded default)`,
      { field: '--ca-file' },
    );
  }
}

function readPointer(path: string, required: boolean): Partial<GatewayPointer> | null {
  if (!existsSync(path)) return null;
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as unknown;
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Partial<GatewayPointer>;
  } catch {
    /* reported below */
  }
  if (!required) return null;
  throw cliError('GatewayUnreachable', `${path} is not the JSON a gateway writes at start; start the gateway again to rewrite it, or pass --gateway ${CHANNEL_EXAMPLE}`);
}

/** The channel URL of the gateway a gateway.json describes: its https URL with wss: and /api/channel/<cluster>. */
function channelUrlOf(pointer: Partial<GatewayPointer>, path: string): URL {
  let base: URL;
  try {
    base = new URL(String(pointer.url));
  } catch {
    throw cliError('GatewayUnreachable', `${path} holds no gateway URL; start the gateway again to rewrite it, or pass --gateway ${CHANNEL_EXAMPLE}`);
  }
  if (base.protocol !== 'https:') throw cliError('GatewayUnreachable', `${path} holds ${base.href}, which is not a TLS address; pass --gateway ${CHANNEL_EXAMPLE}`);
  if (!pointer.cluster) throw cliError('GatewayUnreachable', `${path} does not name the cluster; pass --gateway ${CHANNEL_EXAMPLE}`);
  return new URL(`wss://${base.host}/api/channel/${encodeURIComponent(pointer.cluster)}`);
}

function checkChannelUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw usageError(`--gateway must be a URL such as ${CHANNEL_EXAMPLE} (got ${JSON.stringify(raw.slice(0, 100))})`, CHANNEL_EXAMPLE, '--gateway');
  }
  // Only TLS: the bearer token and the commands must never cross the network in the clear.
  if (url.protocol !== 'wss:') {
    const hint = url.protocol === 'https:' ? ` (the support channel is a WebSocket: wss://${url.host}/api/channel/CLUSTER)` : '';
    throw usageError(`--gateway must be a wss:// URL such as ${CHANNEL_EXAMPLE}${hint}; got ${raw.slice(0, 100)}`, CHANNEL_EXAMPLE, '--gateway');
  }
  if (!CHANNEL_PATH.test(url.pathname) || url.search || url.hash) {
    throw usageError(`--gateway must end in /api/channel/CLUSTER, e.g. wss://${url.host}/api/channel/hci-cl01.contoso.local (got ${raw.slice(0, 100)})`, CHANNEL_EXAMPLE, '--gateway');
  }
  return url;
}

function sameOrigin(url: URL, httpsUrl: string): boolean {
  try {
    return new URL(httpsUrl).host === url.host;
  } catch {
    return false;
  }
}
