import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CHANNEL_PATH } from '../channel/channel-path';
import { cliError, usageError } from '../cli/cli-error';
import { resolveDataDir } from '../cli/gateway-client';
import type { GatewayPointer } from '../gateway';
import type { ConsoleArgs } from './console-flags';

/** Where the console connects and which CA it trusts, with where each came from (for messages). */
export interface ChannelTarget {
  dataDir: string;
  /** wss://HOST:PORT/api/channel/CLUSTER */
  url: string;
  urlSource: string;
  /** PEM of the CA that vouches for the gateway, or undefined for the system's CAs. */
  ca: string | undefined;
  caSource: string | null;
}

const CHANNEL_EXAMPLE = 'wss://HOST:PORT/api/channel/CLUSTER';

/**
 * Works out the channel URL and the CA to trust: --gateway, else the gateway
 * the data directory's gateway.json points at. The CA from gateway.json is
 * trusted only for that gateway's own address, so a --gateway elsewhere is
 * checked against --ca-file or the system's CAs; TLS checks are never off.
 */
export function resolveChannelTarget(args: Pick<ConsoleArgs, 'gateway' | 'dataDir' | 'caFile'>, env: NodeJS.ProcessEnv): ChannelTarget {
  const dataDir = resolveDataDir(args.dataDir, env);
  const pointerPath = join(dataDir, 'gateway.json');
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
  let ca: string | undefined;
  if (caFile !== undefined) {
    try {
      ca = readFileSync(caFile, 'utf8');
    } catch (e) {
      throw cliError(
        'GatewayUnreachable',
        `Cannot read the CA certificate ${caFile} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); pass --ca-file with the certificate that vouches for the gateway (<data dir>/tls/gateway.crt in the embedded default)`,
        { field: '--ca-file' },
      );
    }
  }
  return { dataDir, url: url.href, urlSource, ca, caSource: caFile ?? null };
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
