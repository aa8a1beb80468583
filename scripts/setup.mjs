#!/usr/bin/env node
// Makes a fresh clone ready to run or test: installs dependencies when they
// are missing or older than the lockfile, then builds. Used by `npm start`
// and `npm test`, so the README's two commands are all a new user needs.
import { execFileSync, execSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { accessSync, constants, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const marker = join(root, 'node_modules', '.package-lock.json');
const lock = join(root, 'package-lock.json');

const major = Number(process.versions.node.split('.')[0]);
if (major < 20) {
  console.error(`Node.js 20 or newer is needed (this is ${process.versions.node}).`);
  process.exit(1);
}

/** The PowerShell the product and its tests run: pinned, because 7.7.0 fails to install as a .NET tool here. */
const PWSH_VERSION = '7.6.10';

function executable(path) {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function findPwsh() {
  if (process.env.REMOTE_SUPPORT_PWSH) return process.env.REMOTE_SUPPORT_PWSH;
  const exe = process.platform === 'win32' ? 'pwsh.exe' : 'pwsh';
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && executable(join(dir, exe))) return join(dir, exe);
  }
  const tool = join(homedir(), '.dotnet', 'tools', exe);
  return executable(tool) ? tool : undefined;
}

function pwshVersion(path) {
  try {
    return execFileSync(path, ['-NoLogo', '-NoProfile', '-NonInteractive', '-Command', '$PSVersionTable.PSVersion.ToString()'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  } catch {
    return undefined;
  }
}

// PowerShell 7 runs every script the product ships: the tests need it, and so does a gateway
// configured for real nodes. The embedded default (simulated cluster) runs without it, so
// `npm start` warns where `npm test` (--for-tests) stops.
const forTests = process.argv.includes('--for-tests');
function pwshMissing(message) {
  if (forTests) {
    console.error(message);
    process.exit(1);
  }
  console.error(`${message}\nContinuing: the embedded default runs without PowerShell; the tests and the PowerShell executor need it.`);
}
let pwsh = findPwsh();
if (!pwsh || !pwshVersion(pwsh)) {
  console.error(`Installing PowerShell ${PWSH_VERSION} as a .NET global tool (dotnet tool install --global PowerShell)…`);
  let installed = true;
  try {
    execSync(`dotnet tool install --global PowerShell --version ${PWSH_VERSION}`, { cwd: root, stdio: 'inherit' });
  } catch (error) {
    installed = false;
    pwshMissing(
      `PowerShell ${PWSH_VERSION} could not be installed: ${error.message}\n` +
      'It installs with the .NET SDK (the `dotnet` command) from NuGet. Install the .NET SDK, or install PowerShell 7 yourself ' +
      'and put `pwsh` on the PATH (or set REMOTE_SUPPORT_PWSH to its path), then run this again.',
    );
  }
  pwsh = installed ? findPwsh() : undefined;
  const version = pwsh ? pwshVersion(pwsh) : undefined;
  if (installed && !version) {
    pwshMissing(`PowerShell ${PWSH_VERSION} is not usable: ${join(homedir(), '.dotnet', 'tools', 'pwsh')} does not run. Run it by hand to see why.`);
  } else if (installed) {
    console.error(`PowerShell ${version} is ready at ${pwsh}.`);
  }
}

// better-sqlite3 compiles from source here; node-gyp needs the running Node's headers.
const env = { ...process.env };
if (!env.npm_config_nodedir && existsSync('/usr/include/node/node.h') && process.execPath.startsWith('/usr/')) {
  env.npm_config_nodedir = '/usr';
}

const stale = !existsSync(marker) || statSync(lock).mtimeMs > statSync(marker).mtimeMs;
if (stale) {
  console.error('Installing dependencies (npm ci; the first time compiles SQLite and takes a few minutes)…');
  execSync('npm ci --no-audit --no-fund', { cwd: root, stdio: 'inherit', env });
}
// Builds only what changed: each part's inputs are fingerprinted (paths and contents), and a part is
// built again only when its fingerprint differs from the one recorded after its last good build, or
// its output is missing. A build that fails records nothing, so the next run tries again.
const stampsFile = join(root, 'dist', '.build-stamps.json');
const PARTS = [
  {
    name: 'gateway',
    inputs: ['gateway-plugin/src', 'gateway-plugin/test', 'gateway-plugin/tsconfig.json', 'gateway-plugin/package.json', 'package-lock.json'],
    output: 'gateway-plugin/dist/src/main.js',
    command: 'npm run --silent -w gateway-plugin build',
  },
  {
    name: 'extension',
    inputs: ['src', 'host', 'powershell/extension', 'angular.json', 'tsconfig.json', 'tsconfig.app.json', 'manifest.json', 'scripts/build-extension.mjs', 'package-lock.json'],
    output: 'dist/extension/index.html',
    command: 'npm run --silent build:extension',
  },
];

function filesUnder(path) {
  const full = join(root, path);
  if (!existsSync(full)) return [];
  if (!statSync(full).isDirectory()) return [path];
  return readdirSync(full, { withFileTypes: true })
    .filter((e) => !e.name.startsWith('.'))
    .flatMap((e) => filesUnder(join(path, e.name)));
}

function fingerprint(inputs) {
  const hash = createHash('sha256');
  for (const file of inputs.flatMap(filesUnder).sort()) hash.update(file).update('\0').update(readFileSync(join(root, file))).update('\0');
  return hash.digest('hex');
}

let stamps = {};
try {
  stamps = JSON.parse(readFileSync(stampsFile, 'utf8'));
} catch {
  // No stamps yet: everything builds.
}
for (const part of PARTS) {
  if (stamps[part.name] === fingerprint(part.inputs) && existsSync(join(root, part.output))) {
    console.error(`The ${part.name} is up to date.`);
    continue;
  }
  console.error(`Building the ${part.name}…`);
  execSync(part.command, { cwd: root, stdio: 'inherit' });
  // After the build: it may regenerate inputs (the extension's strings), and those are what it was built from.
  stamps[part.name] = fingerprint(part.inputs);
  mkdirSync(dirname(stampsFile), { recursive: true });
  writeFileSync(stampsFile, JSON.stringify(stamps, null, 2) + '\n');
}
