import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { after, describe, it } from 'node:test';
import { signedHeaders } from '../src/notify/webhook-signature';
import { tempDir } from './helpers/gateway-fixture';
import { pwshJson } from './helpers/pwsh';

const DOC = readFileSync(resolve(__dirname, '..', '..', '..', 'docs', 'notifications.md'), 'utf8');
/** The code block of `language` under the signature's heading in docs/notifications.md. */
const snippet = (language: string) => {
  const section = DOC.slice(DOC.indexOf('### Verifying the signature'));
  const m = new RegExp('```' + language + '\\n([\\s\\S]*?)```').exec(section);
  assert.ok(m, `docs/notifications.md shows a ${language} verifier`);
  return m[1]!;
};

const SECRET = 'a4f0c6b19e2d4c7a8b3e5f1d2c9a7b6e';
const body = JSON.stringify({ id: 'e1', type: 'grant.revoked', summary: 'Support access to hci-cl01 was revoked by Ann Müller…' });

/** A genuine delivery signed now, and the attacks a receiver must refuse, with what it should say of each. */
function cases(): { name: string; secret: string; headers: Record<string, string>; body: string; valid: boolean }[] {
  const now = Math.floor(Date.now() / 1000);
  const genuine = signedHeaders(SECRET, { id: 'e1', type: 'grant.revoked' }, now, body);
  return [
    { name: 'genuine', secret: SECRET, headers: genuine, body, valid: true },
    { name: 'body changed', secret: SECRET, headers: genuine, body: body.replace('revoked', 'granted'), valid: false },
    { name: 'other secret', secret: SECRET, headers: signedHeaders('guess', { id: 'e1', type: 'grant.revoked' }, now, body), body, valid: false },
    { name: 'replayed an hour later', secret: SECRET, headers: signedHeaders(SECRET, { id: 'e1', type: 'grant.revoked' }, now - 3600, body), body, valid: false },
    { name: 'unsigned', secret: SECRET, headers: { 'X-RemoteSupport-Timestamp': String(now) }, body, valid: false },
  ];
}

describe('the signature checks docs/notifications.md shows receivers', () => {
  const dir = tempDir('rs-notify-docs-');
  after(() => dir.remove());

  it('in Node.js, accept a genuine delivery and refuse a changed body, another secret, a replay and no signature', () => {
    const file = join(dir.path, 'verify.js');
    writeFileSync(file, `${snippet('js')}\nmodule.exports = verify;\n`);
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the documented snippet, loaded as the module a receiver would write
    const verify = require(file) as (secret: string, headers: Record<string, string>, body: string) => boolean;
    for (const c of cases()) {
      const lower = Object.fromEntries(Object.entries(c.headers).map(([k, v]) => [k.toLowerCase(), v]));
      assert.equal(verify(c.secret, lower, c.body), c.valid, c.name);
    }
  });

  it('in PowerShell, accept a genuine delivery and refuse a changed body, another secret, a replay and no signature', async () => {
    const file = join(dir.path, 'Test-Signature.ps1');
    writeFileSync(file, `${snippet('powershell')}
$cases = [Console]::In.ReadToEnd() | ConvertFrom-Json
$results = foreach ($c in $cases) {
    $headers = @{}
    foreach ($p in $c.headers.PSObject.Properties) { $headers[$p.Name] = $p.Value }
    Test-RemoteSupportSignature -Secret $c.secret -Headers $headers -RawBody $c.body
}
ConvertTo-Json -Compress -InputObject @($results)
`);
    const all = cases();
    const results = await pwshJson<boolean[]>(file, all);
    assert.deepEqual(results, all.map((c) => c.valid));
  });
});
