import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import type { GatewayConfig } from '../src/config/config';
import { tempDir, testConfig } from './helpers/gateway-fixture';

const GATEWAY = join(__dirname, '..', 'src', 'gateway.js');

/** Module paths that only the embedded default and tests may load. */
const TEST_ONLY = [
  { name: 'the local identity provider', pattern: /[\\/]src[\\/]identity[\\/]/ },
  { name: 'oauth2-mock-server', pattern: /[\\/]node_modules[\\/]oauth2-mock-server[\\/]/ },
  { name: 'express', pattern: /[\\/]node_modules[\\/]express[\\/]/ },
  { name: 'the simulator', pattern: /[\\/]src[\\/]simulator[\\/]/ },
  { name: 'the test clocks', pattern: /[\\/]src[\\/]test-support[\\/]/ },
];

/**
 * Starts a gateway in a fresh Node process, stops it again and returns every
 * module that process loaded (require.cache), so nothing the test runner
 * itself loaded counts.
 */
async function modulesLoadedBy(config: GatewayConfig): Promise<string[]> {
  const script = `
    const { startGateway } = require(${JSON.stringify(GATEWAY)});
    startGateway(JSON.parse(process.env.GATEWAY_CONFIG), { log: () => {} })
      .then(async (gateway) => {
        const loaded = Object.keys(require.cache);
        await gateway.close();
        process.stdout.write(JSON.stringify(loaded));
      })
      .catch((e) => { process.stderr.write(String(e && e.stack || e)); process.exit(1); });
  `;
  const { stdout } = await promisify(execFile)(process.execPath, ['-e', script], {
    env: { ...process.env, GATEWAY_CONFIG: JSON.stringify(config) },
    maxBuffer: 16 * 1024 * 1024,
  });
  return JSON.parse(stdout) as string[];
}

describe('packaging: the production server loads no test-only code', () => {
  it('starts in production mode without the identity provider, express, the simulator or the test clocks', async () => {
    const dir = tempDir();
    try {
      const loaded = await modulesLoadedBy(
        testConfig(dir.path, {
          mode: 'production',
          auth: { mode: 'entra', issuer: 'https://login.example.test/tenant/v2.0', audience: 'api://remote-support-gateway', jwksUri: 'https://127.0.0.1:9/keys', adminRole: 'RemoteSupport.Admin' },
          engineerAuth: { issuer: 'https://login.example.test/tenant/v2.0', audience: 'api://remote-support-gateway', jwksUri: 'https://127.0.0.1:9/keys', engineerRole: 'RemoteSupport.Engineer' },
          executor: { kind: 'powershell', powershellPath: join(dir.path, 'no-pwsh-here') },
          cluster: { stepDelayMs: 0, name: 'hci-cl01.contoso.local', nodes: ['hci-n01', 'hci-n02'], registered: true },
          relay: { mode: 'azure', address: 'wss://contoso-support.servicebus.windows.net/$hc/hci-cl01' },
        }),
      );
      assert.ok(loaded.some((p) => p.endsWith(join('src', 'gateway.js'))), 'the gateway itself was loaded');
      for (const { name, pattern } of TEST_ONLY) {
        assert.deepEqual(loaded.filter((p) => pattern.test(p)), [], `production mode loads no module of ${name}`);
      }
      // Loaded only with --wac-transport powershell, which production refuses.
      assert.deepEqual(loaded.filter((p) => /[\\/]src[\\/]wac-host[\\/]/.test(p)), [], 'production mode loads no module of the WAC PowerShell API stand-in');
      // The relay listener is production code; the local relay that stands in for Azure is not.
      assert.ok(loaded.some((p) => /[\\/]src[\\/]relay[\\/]hybrid-connection-listener\.js$/.test(p)), 'the relay listener is loaded');
      assert.deepEqual(loaded.filter((p) => /[\\/]src[\\/]local-relay[\\/]/.test(p)), [], 'production mode loads no module of the local relay');
    } finally {
      dir.remove();
    }
  });

  it('loads the certificate library only to create the certificate, not at a start that finds one', async () => {
    const dir = tempDir();
    try {
      const selfsigned = (loaded: string[]) => loaded.filter((p) => /[\\/]node_modules[\\/]selfsigned[\\/]/.test(p));
      const first = await modulesLoadedBy(testConfig(dir.path));
      assert.notDeepEqual(selfsigned(first), [], 'the first start creates the certificate with selfsigned');
      const second = await modulesLoadedBy(testConfig(dir.path));
      assert.deepEqual(selfsigned(second), [], 'a start that finds the certificate does not load selfsigned');
    } finally {
      dir.remove();
    }
  });

  it('loads the identity provider, the simulator and the test clock in test mode, so the check above can see them', async () => {
    const dir = tempDir();
    try {
      const loaded = await modulesLoadedBy(testConfig(dir.path, { mode: 'test', relay: { mode: 'local' } }));
      for (const { name, pattern } of TEST_ONLY) {
        assert.ok(loaded.some((p) => pattern.test(p)), `test mode loads ${name}`);
      }
      assert.ok(loaded.some((p) => /[\\/]src[\\/]local-relay[\\/]/.test(p)), 'the local relay loads where it is asked for, so the check above can see it');
    } finally {
      dir.remove();
    }
  });
});
