import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { acquireToken, TrustingNetworkClient } from '../src/console/token-source';
import { LocalIdentityProvider } from '../src/identity/local-identity-provider';
import { loadOrCreateTls } from '../src/tls/certificates';
import { tempDir } from './helpers/gateway-fixture';

describe('signing in with msal-node against the local identity provider', () => {
  const dir = tempDir('rs-idp-');
  let idp: LocalIdentityProvider;
  let ca: string;
  before(async () => {
    const tls = await loadOrCreateTls(dir.path);
    ca = tls.cert;
    idp = await LocalIdentityProvider.start({ dataDir: dir.path, certFile: tls.certFile, keyFile: tls.keyFile });
  });
  after(async () => {
    await idp.stop();
    dir.remove();
  });

  it('gets a client-credentials token with the gateway audience and the engineer role, offline', async () => {
    const r = idp.registration;
    const token = await acquireToken({ kind: 'client-credentials', authority: r.authority, clientId: r.clientId, clientSecret: r.clientSecret, scope: r.scope, ca });
    const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString());
    assert.equal(claims.aud, 'api://remote-support-gateway');
    assert.deepEqual(claims.roles, ['RemoteSupport.Engineer']);
    assert.equal(claims.iss, idp.issuer);
  });

  it('is refused with a wrong client secret', async () => {
    const r = idp.registration;
    await assert.rejects(
      acquireToken({ kind: 'client-credentials', authority: r.authority, clientId: r.clientId, clientSecret: 'wrong', scope: r.scope, ca }),
      /invalid_client/,
    );
  });

  it('keeps its issuer across a restart, so tokens issued before stay valid', async () => {
    const before = idp.issuer;
    await idp.stop();
    const tls = await loadOrCreateTls(dir.path);
    idp = await LocalIdentityProvider.start({ dataDir: dir.path, certFile: tls.certFile, keyFile: tls.keyFile });
    assert.equal(idp.issuer, before);
  });

  it('does not trust the identity provider without its CA', async () => {
    const r = idp.registration;
    await assert.rejects(acquireToken({ kind: 'client-credentials', authority: r.authority, clientId: r.clientId, clientSecret: r.clientSecret, scope: r.scope }));
  });

  it('never lets msal reach a host other than the configured authority', async () => {
    const client = new TrustingNetworkClient(ca, [new URL(idp.issuer).host]);
    await assert.rejects(client.sendGetRequestAsync('https://login.microsoftonline.com/common/discovery/instance'), /not the configured authority/);
  });
});
