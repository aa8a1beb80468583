import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { startTestGateway, TestGateway, VALID_GRANT, FEATURE, installAgent } from './helpers/gateway-fixture';
import { PWSH } from './helpers/pwsh';

const run = promisify(execFile);
/** The repository's root (dist/test → gateway-plugin → root). */
const ROOT = join(__dirname, '..', '..', '..');
const SCRIPT = join(ROOT, 'scripts', 'powershell.mjs');

/** `npm run powershell`: pwsh with the module loaded and pointed at the running gateway. */
describe('npm run powershell', () => {
  let t: TestGateway;
  before(async () => {
    t = await startTestGateway();
    await installAgent(t);
  });
  after(async () => t.stop());

  it('runs the cmdlets against the gateway of the data directory, as the caller', async () => {
    const granted = await t.api.post(`${FEATURE}/access`, { ...VALID_GRANT, supportCaseNumber: '4242' });
    assert.equal(granted.status, 201, granted.text);
    const { stdout } = await run(process.execPath, [SCRIPT, '--data-dir', t.dataDir, '-Command', 'Get-AzStackHCIRemoteSupportAccess | ConvertTo-Json -Depth 8'], {
      env: { ...process.env, REMOTE_SUPPORT_PWSH: PWSH },
    });
    const grant = JSON.parse(stdout);
    assert.equal(grant.id, granted.body.grant.id);
    assert.equal(grant.supportCaseNumber, '4242');
    const revoked = await run(process.execPath, [SCRIPT, '--data-dir', t.dataDir, '-Command', 'Disable-AzStackHCIRemoteSupport -Confirm:$false | Out-Null'], {
      env: { ...process.env, REMOTE_SUPPORT_PWSH: PWSH },
    });
    assert.equal(revoked.stderr, '');
    const after = await t.api.get(`${FEATURE}/access?includeExpired=true`);
    const ended = after.body.grants.find((g: { id: string }) => g.id === granted.body.grant.id);
    assert.equal(ended.state, 'revoked');
    assert.match(ended.endedBy, /\\/, 'the module names the caller as <host>\\<user>');
  });

  it('sends a caller name that is not ASCII, and the gateway records it as it is', async () => {
    // The module's own caller lookup, replaced inside the module: the account running the tests is ASCII.
    const script = [
      'Import-Module AzStackHCI.RemoteSupport',
      '& (Get-Module AzStackHCI.RemoteSupport) { function script:Get-RemoteSupportCaller { "CONTOSO\\j$([char]0xF3)zef.m$([char]0xFC)ller-$([char]0x141)ukasz" } }',
      'Enable-AzStackHCIRemoteSupport -AccessLevel Diagnostics -AgreeToRemoteSupportConsent | Out-Null',
      'Disable-AzStackHCIRemoteSupport -Confirm:$false | Out-Null',
    ].join('; ');
    const done = await run(process.execPath, [SCRIPT, '--data-dir', t.dataDir, '-Command', script], { env: { ...process.env, REMOTE_SUPPORT_PWSH: PWSH } });
    assert.equal(done.stderr, '');
    const grants = await t.api.get(`${FEATURE}/access?includeExpired=true`);
    const latest = grants.body.grants[0];
    assert.equal(latest.grantedBy, 'CONTOSO\\józef.müller-Łukasz');
    assert.equal(latest.endedBy, 'CONTOSO\\józef.müller-Łukasz');
  });

  it('says to start the gateway when the data directory has no module configuration', async () => {
    await assert.rejects(run(process.execPath, [SCRIPT, '--data-dir', join(t.dataDir, 'nowhere')]), (e: { code: number; stderr: string }) => {
      assert.equal(e.code, 2);
      assert.match(e.stderr, /module-config\.json does not exist: start the gateway first \(npm start\)/);
      return true;
    });
  });
});
