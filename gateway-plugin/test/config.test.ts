import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError, DEFAULT_LIMITS, DEFAULT_PORT, defaultDataDir, loadConfig } from '../src/config/config';
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

  it('gives the channel limits their defaults and takes them from the file', () => {
    assert.deepEqual(
      { ...loadConfig([], { HOME: '/home/ann' }).channel },
      { idleTimeoutMinutes: 20, commandTimeoutSeconds: 120, maxSessionsPerEngineer: 5, maxSessionsPerGrant: 50, maxRefusedLinesPerSession: 200, diskWarnFreeMegabytes: 2048, diskMinFreeMegabytes: 512, repairApprovalTimeoutSeconds: 300 },
    );
    const dir = tempDir();
    const file = join(dir.path, 'c.json');
    writeFileSync(file, JSON.stringify({ channel: { maxSessionsPerEngineer: 2, diskMinFreeMegabytes: 0, repairApprovalTimeoutSeconds: 60 } }));
    const c = loadConfig(['--config', file], {});
    assert.equal(c.channel.repairApprovalTimeoutSeconds, 60);
    assert.equal(c.channel.maxSessionsPerEngineer, 2);
    assert.equal(c.channel.diskMinFreeMegabytes, 0);
    assert.equal(c.channel.maxSessionsPerGrant, 50);
    dir.remove();
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
    const cluster = { name: 'hci-cl01.contoso.local', nodes: ['hci-n01', 'hci-n02'], registered: true };
    writeFileSync(file, JSON.stringify({ ...base, executor: { kind: 'powershell' }, cluster }));
    assert.throws(() => loadConfig(['--config', file], {}), /needs engineerAuth: the local identity provider is for the embedded default and tests only/);
    writeFileSync(file, JSON.stringify(base));
    assert.throws(() => loadConfig(['--config', file], {}), /needs executor.kind "powershell"/);
    const engineerAuth = { issuer: base.auth.issuer, audience: 'api://rs', jwksUri: base.auth.jwksUri, engineerRole: 'RemoteSupport.Engineer' };
    writeFileSync(file, JSON.stringify({ ...base, executor: { kind: 'powershell' }, engineerAuth }));
    assert.throws(() => loadConfig(['--config', file], {}), /executor.kind "powershell" \(always so in production\) needs cluster.name, cluster.nodes and cluster.registered/);
    writeFileSync(file, JSON.stringify({ ...base, executor: { kind: 'powershell', powershellPath: 'C:\\Program Files\\PowerShell\\7\\pwsh.exe' }, engineerAuth, cluster }));
    const ok = loadConfig(['--config', file], {});
    assert.equal(ok.mode, 'production');
    assert.equal(ok.engineerAuth?.engineerRole, 'RemoteSupport.Engineer');
    assert.deepEqual(ok.cluster, { stepDelayMs: 400, ...cluster });
    assert.equal(ok.wacTransport, 'direct');
    assert.throws(() => loadConfig(['--config', file, '--wac-transport', 'powershell'], {}), /wacTransport "powershell" is for the embedded default and tests only/);
    dir.remove();
  });

  it('takes the host page transport from --wac-transport or the file: direct by default, or powershell', () => {
    assert.equal(loadConfig([], { HOME: '/home/ann' }).wacTransport, 'direct');
    assert.equal(loadConfig(['--wac-transport', 'powershell'], { HOME: '/home/ann' }).wacTransport, 'powershell');
    const dir = tempDir();
    const file = join(dir.path, 'c.json');
    writeFileSync(file, JSON.stringify({ wacTransport: 'powershell' }));
    assert.equal(loadConfig(['--config', file], {}).wacTransport, 'powershell');
    assert.equal(loadConfig(['--config', file, '--wac-transport', 'direct'], {}).wacTransport, 'direct', 'the flag wins');
    dir.remove();
    assert.throws(() => loadConfig(['--wac-transport', 'winrm'], {}), (e: Error) => e instanceof ConfigError && e.message === 'wacTransport must be one of direct, powershell (got "winrm")');
    assert.throws(() => loadConfig(['--wac-transport'], {}), /--wac-transport needs a value/);
  });

  it('takes the endpoint the nodes\' module reaches the gateway at from the file: an https URL of a host and port, or none', () => {
    assert.equal(loadConfig([], { HOME: '/home/ann' }).moduleEndpoint, undefined, 'the gateway\'s own URL by default');
    const dir = tempDir();
    const file = join(dir.path, 'c.json');
    const load = (moduleEndpoint: unknown) => {
      writeFileSync(file, JSON.stringify({ moduleEndpoint }));
      return loadConfig(['--config', file], {});
    };
    assert.equal(load('https://wac01.contoso.local:6600/').moduleEndpoint, 'https://wac01.contoso.local:6600');
    for (const bad of ['http://wac01:6600', 'https://wac01:6600/api', 'https://wac01:6600?x', 'wac01:6600', '', 42]) {
      assert.throws(() => load(bad), (e: Error) => e instanceof ConfigError && /^moduleEndpoint must be the URL the nodes reach the gateway at, such as https:\/\/wac01\.contoso\.local:6600/.test(e.message), JSON.stringify(bad));
    }
    dir.remove();
  });

  it('validates the real cluster of the PowerShell executor: a DNS name, 1 to 16 NetBIOS node names, registered true or false', () => {
    const dir = tempDir();
    const file = join(dir.path, 'c.json');
    const load = (cluster: Record<string, unknown>, executor: Record<string, unknown> = { kind: 'powershell' }) => {
      writeFileSync(file, JSON.stringify({ executor, cluster }));
      return loadConfig(['--config', file], {});
    };
    const good = { name: 'hci-cl01.contoso.local', nodes: ['hci-n01', 'HCI-N02'], registered: false };
    assert.deepEqual(load(good).cluster, { stepDelayMs: 400, ...good });
    assert.equal(load({ ...good, name: 'hci-cl01' }).cluster.name, 'hci-cl01');
    assert.equal(load({ ...good, nodes: Array.from({ length: 16 }, (_, i) => `hci-n${i + 1}`) }).cluster.nodes?.length, 16);
    const bad: [Record<string, unknown>, RegExp][] = [
      [{ nodes: good.nodes, registered: true }, /needs cluster.name, cluster.nodes and cluster.registered/],
      [{ ...good, name: 'hci_cl01.contoso.local' }, /cluster.name must be the cluster's DNS name, such as hci-cl01.contoso.local \(got "hci_cl01.contoso.local"\)/],
      [{ ...good, name: '-hci.contoso.local' }, /cluster.name must be the cluster's DNS name/],
      [{ ...good, name: 42 }, /cluster.name must be the cluster's DNS name/],
      [{ ...good, nodes: [] }, /cluster.nodes must be a list of 1 to 16 node names \(got a list of 0\)/],
      [{ ...good, nodes: Array.from({ length: 17 }, (_, i) => `hci-n${i + 1}`) }, /cluster.nodes must be a list of 1 to 16 node names \(got a list of 17\)/],
      [{ ...good, nodes: 'hci-n01' }, /cluster.nodes must be a list of 1 to 16 node names \(got "hci-n01"\)/],
      [{ ...good, nodes: ['hci-n01.contoso.local'] }, /cluster.nodes must each be a NetBIOS computer name: 1 to 15 letters, digits or hyphens.* \(got "hci-n01.contoso.local"\)/],
      [{ ...good, nodes: ['hci-node-number-1'] }, /NetBIOS computer name/],
      [{ ...good, nodes: ['hci-n01-'] }, /NetBIOS computer name/],
      [{ ...good, nodes: ['hci-n01;calc'] }, /NetBIOS computer name/],
      [{ ...good, nodes: ['hci-n01', 'HCI-N01'] }, /cluster.nodes names hci-n01 twice/],
      [{ ...good, registered: 'yes' }, /cluster.registered must be true or false \(got "yes"\)/],
    ];
    for (const [cluster, message] of bad) {
      assert.throws(() => load(cluster), (e: unknown) => e instanceof ConfigError && message.test(e.message), JSON.stringify(cluster));
    }
    assert.throws(() => load(good, { kind: 'simulated' }), /describe a real cluster and need executor.kind "powershell"; the simulated cluster comes from cluster.fixture/);
    assert.deepEqual(load({ fixture: '/tmp/f.json' }, { kind: 'simulated' }).cluster, { stepDelayMs: 400, fixture: '/tmp/f.json' }, 'the simulated default is unchanged');
    for (const workers of [0, 65, 2.5, '4', -1]) {
      assert.throws(() => load(good, { kind: 'powershell', workers }), /executor.workers must be an integer from 1 to 64/, JSON.stringify(workers));
    }
    assert.deepEqual(load(good, { kind: 'powershell', workers: 8 }).executor, { kind: 'powershell', workers: 8 });
    assert.throws(() => load(good, { kind: 'powershell', endpointName: 'RemoteSupport.HCI.Diagnostics' }), /executor.endpointName must be RemoteSupport.HCI, the base name of the session configurations/);
    dir.remove();
  });

  it('gives the wire limits their defaults and takes each from the file', () => {
    const dir = tempDir();
    const file = join(dir.path, 'c.json');
    writeFileSync(file, JSON.stringify({ limits: { connectionsPerAddress: 7 } }));
    assert.deepEqual(loadConfig(['--config', file], {}).limits, { ...DEFAULT_LIMITS, connectionsPerAddress: 7 });
    assert.deepEqual(loadConfig([], {}).limits, DEFAULT_LIMITS);
    dir.remove();
  });

  it('refuses an unknown setting in the file', () => {
    const dir = tempDir();
    const file = join(dir.path, 'c.json');
    writeFileSync(file, JSON.stringify({ prot: 1 }));
    assert.throws(() => loadConfig(['--config', file], {}), /Unknown setting prot/);
    dir.remove();
  });

  it('checks every setting of the file against its schema, naming the nested setting and what it accepts', () => {
    const dir = tempDir();
    const file = join(dir.path, 'c.json');
    const cases: [unknown, RegExp][] = [
      [{ tls: { cert: 'x.pem' } }, /^Unknown setting tls.cert; the settings of tls are certFile, keyFile$/],
      [{ channel: { idleTimeoutMinutes: 0 } }, /^channel.idleTimeoutMinutes must be an integer from 1 to 1440 \(got 0\)$/],
      [{ channel: { commandTimeoutSeconds: '60' } }, /^channel.commandTimeoutSeconds must be an integer from 1 to 3600 \(got "60"\)$/],
      [{ auth: { mode: 'saml' } }, /^auth.mode must be local or entra \(got "saml"\)$/],
      [{ executor: { kind: 'ssh' } }, /^executor.kind must be simulated or powershell \(got "ssh"\)$/],
      [{ host: '' }, /^host must be an address to listen on \(got ""\)$/],
      [{ channel: { maxSessionsPerEngineer: 0 } }, /^channel.maxSessionsPerEngineer must be an integer from 1 to 1000 \(got 0\)$/],
      [{ channel: { maxRefusedLinesPerSession: 1.5 } }, /^channel.maxRefusedLinesPerSession must be an integer from 0 to 100000 \(got 1.5\)$/],
      [{ channel: { diskWarnFreeMegabytes: 100, diskMinFreeMegabytes: 200 } }, /^channel.diskMinFreeMegabytes \(200\) must not be above channel.diskWarnFreeMegabytes \(100\)$/],
      [{ limits: { connectionsPerAddress: 0 } }, /^limits.connectionsPerAddress must be an integer from 1 to 100000 \(got 0\)$/],
      [{ limits: { eventBufferKiB: 1 } }, /^limits.eventBufferKiB must be an integer from 16 to 65536 \(got 1\)$/],
      [{ limits: { headersTimeoutSeconds: 60, bodyTimeoutSeconds: 30 } }, /^limits.headersTimeoutSeconds \(60\) must not be longer than limits.bodyTimeoutSeconds \(30\)/],
    ];
    for (const [settings, message] of cases) {
      writeFileSync(file, JSON.stringify(settings));
      assert.throws(() => loadConfig(['--config', file], {}), (e: unknown) => e instanceof ConfigError && message.test(e.message), JSON.stringify(settings));
    }
    dir.remove();
  });
});
