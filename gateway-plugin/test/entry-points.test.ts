import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';

const ROOT = join(__dirname, '..', '..');

/** What a program loads when it starts (asked for --help): the npm packages and our own modules (`src/…`). */
function loaded(bin: string): { packages: Set<string>; modules: string[] } {
  const probe = `
    process.argv = [process.argv[0], ${JSON.stringify(bin)}, '--help'];
    process.on('exit', () => {
      process.stderr.write('\\nLOADED ' + JSON.stringify(Object.keys(require.cache)) + '\\n');
    });
    require(${JSON.stringify(join(ROOT, 'bin', `${bin}.js`))});
  `;
  const run = spawnSync(process.execPath, ['-e', probe], { encoding: 'utf8', env: { ...process.env, REMOTE_SUPPORT_DATA_DIR: join(ROOT, 'no-such-dir') } });
  const line = run.stderr.split('\n').find((l) => l.startsWith('LOADED '));
  assert.ok(line, `${bin} did not start:\n${run.stderr}`);
  const files = JSON.parse(line.slice('LOADED '.length)) as string[];
  const packages = new Set<string>();
  const modules: string[] = [];
  for (const file of files) {
    const inModules = file.lastIndexOf('node_modules/');
    if (inModules >= 0) {
      const parts = file.slice(inModules + 'node_modules/'.length).split('/');
      packages.add(parts[0]!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!);
    } else if (file.includes('/dist/src/')) modules.push(file.slice(file.indexOf('/dist/src/') + '/dist/'.length).replace(/\.js$/, ''));
  }
  return { packages, modules };
}

function assertNone(what: string, found: Iterable<string>, refused: (name: string) => boolean): void {
  const wrong = [...found].filter(refused);
  assert.deepEqual(wrong, [], `${what} loads ${wrong.join(', ')}`);
}

describe('each program loads only its own dependencies', () => {
  it('the admin CLI (remote-support): no msal-node, no server, no console', () => {
    const { packages, modules } = loaded('remote-support');
    assertNone('remote-support', packages, (p) => ['@azure/msal-node', 'fastify', 'ws', 'better-sqlite3', 'pino', 'jose', 'oauth2-mock-server'].includes(p));
    assertNone('remote-support', modules, (m) => /^src\/(console|api|store|channel|auth|identity|gateway)\b/.test(m));
    assert.ok(packages.has('undici'));
  });

  it('the engineer\'s console (support-console): msal-node, and none of the server', () => {
    const { packages, modules } = loaded('support-console');
    assert.ok(packages.has('@azure/msal-node'), 'the console signs in with msal-node');
    assertNone('support-console', packages, (p) => ['fastify', 'better-sqlite3', 'pino', 'oauth2-mock-server'].includes(p) || p.startsWith('@fastify/'));
    assertNone('support-console', modules, (m) => /^src\/(api|store|auth|identity|gateway|channel\/support-channel|channel\/live-session)\b/.test(m));
  });

  it('the gateway (remote-support-gateway): neither msal-node nor either client program', () => {
    const { packages, modules } = loaded('remote-support-gateway');
    assertNone('remote-support-gateway', packages, (p) => p === '@azure/msal-node');
    assertNone('remote-support-gateway', modules, (m) => /^src\/(console|cli)\//.test(m));
  });
});
