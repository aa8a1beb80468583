#!/usr/bin/env node
// `npm run powershell`: an interactive PowerShell 7 with the AzStackHCI.RemoteSupport module
// loaded and pointed at the gateway `npm start` runs (its module-config.json in the data
// directory: --data-dir DIR, else REMOTE_SUPPORT_DATA_DIR, else the gateway's default).
// Other arguments go to pwsh as they are, e.g. `npm run powershell -- -Command Get-AzStackHCIRemoteSupportAccess`.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const args = process.argv.slice(2);
let dataDir;
const at = args.indexOf('--data-dir');
if (at >= 0) {
  dataDir = args[at + 1];
  if (!dataDir) fail('--data-dir needs a directory');
  args.splice(at, 2);
} else {
  const configJs = join(root, 'gateway-plugin', 'dist', 'src', 'config', 'config.js');
  if (!existsSync(configJs)) fail('The gateway is not built: run npm start (or npm run build) first.');
  dataDir = require(configJs).defaultDataDir();
}
const config = join(resolve(dataDir), 'module-config.json');
if (!existsSync(config)) fail(`${config} does not exist: start the gateway first (npm start), with the same data directory.`);

const tool = join(homedir(), '.dotnet', 'tools', process.platform === 'win32' ? 'pwsh.exe' : 'pwsh');
const pwsh = process.env.REMOTE_SUPPORT_PWSH || (existsSync(tool) ? tool : 'pwsh');
// The module's folder goes first on PSModulePath, so PowerShell loads it by itself at the first cmdlet.
const env = { ...process.env, AZSHCI_REMOTESUPPORT_CONFIG: config, PSModulePath: [join(root, 'powershell', 'module'), process.env.PSModulePath].filter(Boolean).join(delimiter) };
const startup = "Import-Module AzStackHCI.RemoteSupport; Write-Host \"AzStackHCI.RemoteSupport is loaded and talks to the gateway in $env:AZSHCI_REMOTESUPPORT_CONFIG. Get-Command -Module AzStackHCI.RemoteSupport lists its cmdlets.\"";
const pwshArgs = args.length ? ['-NoLogo', '-NoProfile', ...args] : ['-NoLogo', '-NoProfile', '-NoExit', '-Command', startup];
const child = spawn(pwsh, pwshArgs, { stdio: 'inherit', env });
child.on('error', (e) => fail(`Cannot run ${pwsh}: ${e.message}. Run npm start once (it installs PowerShell 7), or set REMOTE_SUPPORT_PWSH.`));
child.on('exit', (code) => process.exit(code ?? 1));

function fail(message) {
  process.stderr.write(`${message}\n`);
  process.exit(2);
}
