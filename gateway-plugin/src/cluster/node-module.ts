import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { powershellRoot } from '../executors/powershell-files';
import type { JeaFile } from '../policy/jea-files';

/**
 * The PowerShell module (`AzStackHCI.RemoteSupport`) and its gateway
 * configuration, as the agent install puts them on every node, so the
 * cmdlets Windows Admin Center runs on a node reach the gateway
 * (docs/powershell-module.md). Both folders are fixed: the install writes
 * nothing else outside the JEA module folder, and the same rules are
 * checked again by the install script and on the node.
 */

/** The module's name, as Import-Module finds it. */
export const NODE_MODULE_NAME = 'AzStackHCI.RemoteSupport';
/**
 * Where the module goes on a node: `$env:ProgramFiles\WindowsPowerShell\Modules`
 * on a node installed on C: (on PSModulePath of Windows PowerShell 5.1 and of
 * PowerShell 7). The install refuses a node whose ProgramFiles is elsewhere.
 */
export const NODE_MODULE_DIRECTORY = `C:\\Program Files\\WindowsPowerShell\\Modules\\${NODE_MODULE_NAME}`;
/** The module's own configuration folder on a node: `$env:ProgramData\AzStackHCI.RemoteSupport`, Administrators and SYSTEM only. */
export const NODE_CONFIG_DIRECTORY = `C:\\ProgramData\\${NODE_MODULE_NAME}`;
/** The module's default configuration on a Windows node. */
export const NODE_GATEWAY_CONFIG_PATH = `${NODE_CONFIG_DIRECTORY}\\gateway.json`;
/** The copy of the gateway's machine credential on a node. */
export const NODE_CREDENTIAL_PATH = `${NODE_CONFIG_DIRECTORY}\\machine-credential`;
/** The file types of the module, and the only ones written under its folder. */
export const NODE_MODULE_FILE_TYPES = ['.psd1', '.psm1', '.format.ps1xml', '.cs'] as const;

const MODULE_FILE_TYPE = /\.(?:psd1|psm1|format\.ps1xml|cs)$/i;
const PATH_SEGMENT = /^[A-Za-z0-9](?:[A-Za-z0-9 ._-]{0,98}[A-Za-z0-9])?$/;
/** A machine credential as the gateway writes it: base64url, 32 to 256 characters. */
export const CREDENTIAL_PATTERN = /^[A-Za-z0-9_-]{32,256}$/;

/**
 * Why a path may not be written as a module file on a node, or null when it
 * may: directly in {@link NODE_MODULE_DIRECTORY} (no subfolders), a plain
 * name, one of the module's file types.
 */
export function moduleFilePathProblem(path: unknown): string | null {
  if (typeof path !== 'string') return 'is not a string';
  const prefix = `${NODE_MODULE_DIRECTORY}\\`;
  if (path.length > 240) return 'is longer than 240 characters';
  if (!path.toLowerCase().startsWith(prefix.toLowerCase())) return `is not under ${prefix}`;
  const name = path.slice(prefix.length);
  if (!PATH_SEGMENT.test(name)) return 'is not a plain file name directly in the module folder (letters, digits, spaces and . _ -; no subfolders, . or ..)';
  if (!MODULE_FILE_TYPE.test(name)) return `is not a ${NODE_MODULE_FILE_TYPES.join(', ')} file`;
  return null;
}

/** The module's folder in the repository (`powershell/module/AzStackHCI.RemoteSupport`). */
export function moduleSourceDirectory(): string {
  return join(powershellRoot(), 'module', NODE_MODULE_NAME);
}

/**
 * The module's files as the install writes them: every file of its folder,
 * by name, at its path on a node. Throws when the folder holds anything
 * the install would not write (a subfolder, another file type), so the
 * node gets exactly the module.
 */
export function moduleFiles(source: string = moduleSourceDirectory()): JeaFile[] {
  return readdirSync(source).sort().map((name) => {
    const path = `${NODE_MODULE_DIRECTORY}\\${name}`;
    const problem = statSync(join(source, name)).isFile() ? moduleFilePathProblem(path) : 'is a folder';
    if (problem) throw new Error(`The module folder ${source} holds ${name}, which the agent install does not deploy: ${path} ${problem}`);
    return { path, content: readFileSync(join(source, name), 'utf8') };
  });
}

/** What the gateway tells the nodes about itself: the module's gateway.json without the credential path, and the credential. */
export interface NodeGatewayConfig {
  /** The URL nodes reach the gateway at (the `moduleEndpoint` setting, else the gateway's own URL). */
  endpoint: string;
  cluster: string;
  clusters: string[];
  /** Lowercase hex SHA-256 of the gateway's TLS certificate (DER). */
  certificateSha256: string;
  /** The machine credential, sent to the node as data and written there Administrators + SYSTEM only. */
  credential: string;
}

/** The gateway.json a node gets: the module's configuration pointing at the node's credential copy. */
export function nodeGatewayJson(config: NodeGatewayConfig): string {
  const { credential: _secret, ...rest } = config;
  return JSON.stringify({ ...rest, credentialPath: NODE_CREDENTIAL_PATH }, null, 2) + '\n';
}

/** Why a gateway configuration may not be sent to the nodes, or null when it may. */
export function nodeGatewayConfigProblem(config: NodeGatewayConfig): string | null {
  if (typeof config.endpoint !== 'string' || !/^https:\/\/[A-Za-z0-9.[\]:-]+(?::\d{1,5})?\/?$/.test(config.endpoint)) return `the endpoint must be an https URL of a host and port (got ${JSON.stringify(config.endpoint)})`;
  if (typeof config.cluster !== 'string' || !Array.isArray(config.clusters) || !config.clusters.includes(config.cluster)) return 'the cluster must be one of the clusters';
  if (typeof config.certificateSha256 !== 'string' || !/^[0-9a-f]{64}$/.test(config.certificateSha256)) return 'the certificate pin must be 64 lowercase hex digits';
  if (typeof config.credential !== 'string' || !CREDENTIAL_PATTERN.test(config.credential)) return 'the machine credential must be 32 to 256 base64url characters';
  return null;
}
