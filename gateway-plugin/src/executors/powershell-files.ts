import { accessSync, constants, existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';

/**
 * Where the product's PowerShell lives and which PowerShell runs it. Every
 * script the gateway runs is a .ps1/.psm1 file under the repository's
 * `powershell/` folder (parsed by PowerShell's own parser in the tests); the
 * TypeScript side passes only JSON to them.
 */

/** A file every copy of the folder has; it marks the folder when searching upwards. */
const MARKER = join('gateway', 'RemoteSupport.Gateway.psm1');

let cachedRoot: string | undefined;

/** The `powershell/` folder: found by walking up from this file (source or built), so it works from `src/` and `dist/src/`. */
export function powershellRoot(): string {
  if (cachedRoot) return cachedRoot;
  let dir = __dirname;
  for (;;) {
    const candidate = join(dir, 'powershell');
    if (existsSync(join(candidate, MARKER))) return (cachedRoot = candidate);
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`The product's PowerShell folder (powershell/${MARKER.replace(/\\/g, '/')}) was not found above ${__dirname}.`);
    dir = parent;
  }
}

/** A file of the gateway's PowerShell, such as `Start-CommandWorker.ps1`. */
export function gatewayScript(name: string): string {
  return join(powershellRoot(), 'gateway', name);
}

/** The production transport: PowerShell remoting over WinRM to the nodes. */
export function winrmTransportModule(): string {
  return gatewayScript('RemoteSupport.WinRM.psm1');
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * The PowerShell 7 to start when none is configured: `REMOTE_SUPPORT_PWSH`,
 * else `pwsh` on the PATH, else the .NET global tool's `~/.dotnet/tools/pwsh`
 * (where the project's set-up installs it), else plain `pwsh` (so the error
 * names it).
 */
export function defaultPowerShellPath(env: NodeJS.ProcessEnv = process.env): string {
  const configured = env['REMOTE_SUPPORT_PWSH'];
  if (configured) return configured;
  const exe = process.platform === 'win32' ? 'pwsh.exe' : 'pwsh';
  for (const dir of (env['PATH'] ?? '').split(delimiter)) {
    if (dir && isExecutable(join(dir, exe))) return join(dir, exe);
  }
  const tool = join(homedir(), '.dotnet', 'tools', exe);
  if (isExecutable(tool)) return tool;
  return exe;
}
