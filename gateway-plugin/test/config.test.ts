import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError, DEFAULT_PORT, defaultDataDir, loadConfig } from '../src/config/config';
import { tempDir } from './helpers/gateway-fixture';

describe('gateway configuration', () => {
  it('defaults to the embedded mode on 127.0.0.1 with a data directory under the user data dir', () => {
    const c = loadConfig([], { HOME: '/home/ann' });
    assert.equal(c.mode, 'embedded');
    assert.equal(c.host, '127.0.0.1');
    assert.equal(c.port, DEFAULT_PORT);
    assert.equal(c.auth.mode, 'local');
    assert.equal(c.dataDir, defaultDataDir({ HOME: '/home/ann' }));
    assert.match(defaultDataDir({ XDG_DATA_HOME: '/x' }), /^\/x\/remote-support-hci$/);
  });

  it('lets flags override the file', () => {
    const dir = tempDir();
    const file = join(dir.path, 'c.json');
    writeFileSync(file, JSON.stringify({ port: 7000, dataDir: '/from-file' }));
    const c = loadConfig(['--config', file, '--port=7001']);
    assert.equal(c.port, 7001);
    assert.equal(c.dataDir, '/from-file');
    dir.remove();
  });

  const bad: [string[], RegExp][] = [
    [['--port', 'abc'], /port must be an integer from 0 to 65535/],
    [['--port', '70000'], /port must be an integer from 0 to 65535/],
    [['--mode', 'prod'], /mode must be one of embedded, production, test/],
    [['--verbose'], /Unknown flag --verbose; the flags are/],
    [['--port'], /--port needs a value/],
    [['--step-delay-ms', '-1'], /stepDelayMs must be an integer from 0 to 60000/],
    [['--mode', 'production'], /production mode needs auth.mode "entra"/],
  ];
  for (const [argv, message] of bad) {
    it(`refuses ${argv.join(' ')} with a message naming the setting`, () => {
      assert.throws(() => loadConfig(argv, {}), (e: unknown) => e instanceof ConfigError && message.test(e.message));
    });
  }

  it('refuses production mode without Entra ID engineers or with the simulated cluster', () => {
    const dir = tempDir();
    const file = join(dir.path, 'c.json');
    const base = {
      mode: 'production',
      tls: { certFile: '/etc/rs/cert.pem', keyFile: '/etc/rs/key.pem' },
      auth: { mode: 'entra', issuer: 'https://login.microsoftonline.com/t/v2.0', audience: 'api://rs', jwksUri: 'https://login.microsoftonline.com/t/discovery/v2.0/keys', adminRole: 'RemoteSupport.Admin' },
    };
    writeFileSync(file, JSON.stringify({ ...base, executor: { kind: 'powershell' } }));
    assert.throws(() => loadConfig(['--config', file], {}), /needs engineerAuth: the local identity provider is for the embedded default and tests only/);
    writeFileSync(file, JSON.stringify(base));
    assert.throws(() => loadConfig(['--config', file], {}), /needs executor.kind "powershell"/);
    const engineerAuth = { issuer: base.auth.issuer, audience: 'api://rs', jwksUri: base.auth.jwksUri, engineerRole: 'RemoteSupport.Engineer' };
    writeFileSync(file, JSON.stringify({ ...base, executor: { kind: 'powershell' }, engineerAuth }));
    const ok = loadConfig(['--config', file], {});
    assert.equal(ok.mode, 'production');
    assert.equal(ok.engineerAuth?.engineerRole, 'RemoteSupport.Engineer');
    dir.remove();
  });

  it('refuses an unknown setting in the file', () => {
    const dir = tempDir();
    const file = join(dir.path, 'c.json');
    writeFileSync(file, JSON.stringify({ prot: 1 }));
    assert.throws(() => loadConfig(['--config', file], {}), /Unknown setting prot/);
    dir.remove();
  });
});
