import type { FastifyInstance } from 'fastify';
import { delimiter, join } from 'node:path';
import { Clock } from '../domain/clock';
import { defaultPowerShellPath, powershellRoot } from '../executors/powershell-files';
import { DEFAULT_SESSION_LIMITS, PowerShellApiSessions, SessionLimits } from './powershell-api-sessions';
import { POWERSHELL_API_PREFIX, registerPowerShellApi } from './powershell-api-routes';
import { PowerShellRunner } from './powershell-runner';

export { POWERSHELL_API_PREFIX };

/**
 * The stand-in for Windows Admin Center's PowerShell API (embedded default
 * and tests only; docs/wac-powershell-stand-in.md): the host page's SDK
 * calls reach a real local pwsh per session, which finds the module
 * (`powershell/module` on PSModulePath) and its configuration
 * (`$env:AZSHCI_REMOTESUPPORT_CONFIG`) as on a node where WAC runs it.
 */
export interface WacHostOptions {
  dataDir: string;
  clock: Clock;
  /** The names PowerShell may be asked to run on: the served cluster and its nodes. */
  knownNodes: () => string[];
  powershellPath?: string;
  limits?: Partial<SessionLimits>;
}

export interface WacHost {
  /** Where the routes go: {@link POWERSHELL_API_PREFIX}. */
  prefix: string;
  /** Registers the routes on a scope prefixed with {@link POWERSHELL_API_PREFIX}, after the admin API's authentication. */
  register(scope: FastifyInstance): void;
  sessions: PowerShellApiSessions;
  /** Ends every session's PowerShell. */
  dispose(): void;
}

/** The environment a session's PowerShell runs in. */
export function sessionEnvironment(dataDir: string, env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const moduleDir = join(powershellRoot(), 'module');
  return {
    ...env,
    AZSHCI_REMOTESUPPORT_CONFIG: join(dataDir, 'module-config.json'),
    PSModulePath: env['PSModulePath'] ? `${moduleDir}${delimiter}${env['PSModulePath']}` : moduleDir,
  };
}

export function buildWacHost(options: WacHostOptions): WacHost {
  const limits: SessionLimits = { ...DEFAULT_SESSION_LIMITS, ...options.limits };
  const env = sessionEnvironment(options.dataDir);
  const powershellPath = options.powershellPath ?? defaultPowerShellPath();
  const script = join(powershellRoot(), 'wac-host', 'Start-PowerShellApiRunner.ps1');
  const sessions = new PowerShellApiSessions({
    clock: options.clock,
    limits,
    readyRunners: 2,
    startRunner: (onExit) =>
      new PowerShellRunner({ powershellPath, script, env, clock: options.clock, commandTimeoutMs: limits.commandTimeoutMs, maxOutputBytes: limits.maxOutputBytes, onExit }),
  });
  return {
    prefix: POWERSHELL_API_PREFIX,
    register: (scope) => registerPowerShellApi(scope, sessions, options.knownNodes),
    sessions,
    dispose: () => sessions.dispose(),
  };
}
