#!/usr/bin/env node
// Makes a fresh clone ready to run or test: installs dependencies when they
// are missing or older than the lockfile, then builds. Used by `npm start`
// and `npm test`, so the README's two commands are all a new user needs.
import { execSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const marker = join(root, 'node_modules', '.package-lock.json');
const lock = join(root, 'package-lock.json');

const major = Number(process.versions.node.split('.')[0]);
if (major < 20) {
  console.error(`Node.js 20 or newer is needed (this is ${process.versions.node}).`);
  process.exit(1);
}

const stale = !existsSync(marker) || statSync(lock).mtimeMs > statSync(marker).mtimeMs;
if (stale) {
  console.error('Installing dependencies (npm ci; the first time compiles SQLite and takes a few minutes)…');
  execSync('npm ci --no-audit --no-fund', { cwd: root, stdio: 'inherit' });
}
console.error('Building…');
execSync('npm run --silent build', { cwd: root, stdio: 'inherit' });
