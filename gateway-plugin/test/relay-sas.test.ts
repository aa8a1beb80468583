import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import {
  addressOfSasResource,
  createSasToken,
  hybridConnectionOf,
  parseSasToken,
  sasResourceCovers,
  sasResourceOf,
  sasSignature,
  verifySasToken,
  type SasRule,
} from '../src/relay/sas';

const RESOURCE = 'http://contoso.servicebus.windows.net/hci-cl01';
const EXPIRY = 1_700_000_000;
const KEY = 'test-key';
/** HMAC-SHA256 (key: the UTF-8 text) over `encodeURIComponent(resource) + "\n" + expiry`, computed once by hand. */
const KNOWN_SIGNATURE = 'ZRWXaITeB9VVvoTe0aTwn6ZRdl5c542LurjoXSUmuSc=';
const RULE: SasRule = { keyName: 'gateway-listen', key: KEY, rights: ['Listen'] };
const NOW = (EXPIRY - 60) * 1000;

describe('relay SAS tokens', () => {
  it('signs the way the service does: a known answer', () => {
    const byHand = createHmac('sha256', Buffer.from(KEY, 'utf8')).update(`${encodeURIComponent(RESOURCE)}\n${EXPIRY}`).digest('base64');
    assert.equal(byHand, KNOWN_SIGNATURE);
    assert.equal(sasSignature(RESOURCE, EXPIRY, KEY), KNOWN_SIGNATURE);
    assert.equal(
      createSasToken(RESOURCE, 'gateway-listen', KEY, EXPIRY * 1000 + 999),
      `SharedAccessSignature sr=${encodeURIComponent(RESOURCE)}&sig=${encodeURIComponent(KNOWN_SIGNATURE)}&se=${EXPIRY}&skn=gateway-listen`,
    );
  });

  it('parses a token in any field order and decodes its fields', () => {
    const token = `SharedAccessSignature skn=k%20n&se=${EXPIRY}&sig=${encodeURIComponent(KNOWN_SIGNATURE)}&sr=${encodeURIComponent(RESOURCE)}`;
    assert.deepEqual(parseSasToken(token), {
      resource: RESOURCE,
      signedResource: encodeURIComponent(RESOURCE),
      signature: KNOWN_SIGNATURE,
      expiresAt: EXPIRY * 1000,
      keyName: 'k n',
    });
  });

  it('returns null for what is not a token', () => {
    const sr = `sr=${encodeURIComponent(RESOURCE)}`;
    for (const bad of [
      '',
      `Bearer ${sr}&sig=x&se=1&skn=k`,
      `sharedaccesssignature ${sr}&sig=x&se=1&skn=k`,
      `SharedAccessSignature ${sr}&sig=x&se=1`,
      `SharedAccessSignature ${sr}&sig=x&se=soon&skn=k`,
      `SharedAccessSignature ${sr}&sig=x&se=1234567890123&skn=k`,
      `SharedAccessSignature ${sr}&sig=%E0%A4%A&se=1&skn=k`,
      `SharedAccessSignature ${sr}&sig&se=1&skn=k`,
      `SharedAccessSignature ${sr}&=x&sig=x&se=1&skn=k`,
      `SharedAccessSignature ${sr}&sig=x&se=1&skn=${'k'.repeat(4096)}`,
    ]) {
      assert.equal(parseSasToken(bad), null, bad.slice(0, 80));
    }
  });

  it("checks the signature over the resource as the token spells it (.NET's lower-case escapes)", () => {
    const lower = 'http%3a%2f%2fcontoso.servicebus.windows.net%2fhci-cl01';
    const sig = createHmac('sha256', KEY).update(`${lower}\n${EXPIRY}`).digest('base64');
    const token = `SharedAccessSignature sr=${lower}&sig=${encodeURIComponent(sig)}&se=${EXPIRY}&skn=gateway-listen`;
    assert.equal(verifySasToken(token, RESOURCE, 'Listen', [RULE], NOW).ok, true);
  });

  it('gives the 401 and 403 verdicts of the service', () => {
    const good = createSasToken(RESOURCE, 'gateway-listen', KEY, EXPIRY * 1000);
    const verdict = (token: string | undefined, right: 'Listen' | 'Send' = 'Listen', hc = RESOURCE, now = NOW) => {
      const v = verifySasToken(token, hc, right, [RULE, { keyName: 'send', key: 's', rights: ['Send'] }, { keyName: 'root', key: 'r', rights: ['Manage'] }], now);
      return v.ok ? 200 : v.status;
    };
    assert.equal(verdict(good), 200);
    assert.equal(verdict(undefined), 401);
    assert.equal(verdict('SharedAccessSignature nonsense'), 401);
    assert.equal(verdict(createSasToken(RESOURCE, 'nobody', KEY, EXPIRY * 1000)), 401);
    assert.equal(verdict(createSasToken(RESOURCE, 'gateway-listen', 'other key', EXPIRY * 1000)), 401);
    assert.equal(verdict(good, 'Listen', RESOURCE, EXPIRY * 1000), 401, 'expired at the second it names');
    assert.equal(verdict(good, 'Send'), 403);
    assert.equal(verdict(good, 'Listen', 'http://contoso.servicebus.windows.net/hci-cl02'), 403);
    assert.equal(verdict(createSasToken('http://contoso.servicebus.windows.net/', 'root', 'r', EXPIRY * 1000), 'Send'), 200, 'Manage confers Send');
  });

  it('covers the same entity or its namespace, whatever the scheme, port or case', () => {
    const hc = 'http://contoso.servicebus.windows.net/hci-cl01';
    const covered: [string, boolean][] = [
      ['http://contoso.servicebus.windows.net/hci-cl01', true],
      ['https://CONTOSO.servicebus.windows.net:443/HCI-CL01/', true],
      ['sb://contoso.servicebus.windows.net/hci-cl01', true],
      ['http://contoso.servicebus.windows.net/', true],
      ['http://contoso.servicebus.windows.net', true],
      ['http://contoso.servicebus.windows.net/hci-cl0', false],
      ['http://contoso.servicebus.windows.net/hci-cl01-other', false],
      ['http://contoso.servicebus.windows.net/hci-cl01/sub', false],
      ['http://fabrikam.servicebus.windows.net/hci-cl01', false],
      ['ftp://contoso.servicebus.windows.net/hci-cl01', false],
      ['not a url', false],
    ];
    for (const [granted, expected] of covered) assert.equal(sasResourceCovers(granted, hc), expected, granted);
    assert.equal(sasResourceCovers('http://contoso.servicebus.windows.net/hci%2Dcl01', hc), true, 'escapes are decoded');
  });

  it('maps Hybrid Connection addresses to SAS resources and back', () => {
    assert.deepEqual(hybridConnectionOf('wss://Contoso.servicebus.windows.net:443/$hc/hci-cl01/suffix?x=1'), {
      host: 'contoso.servicebus.windows.net',
      hostname: 'contoso.servicebus.windows.net',
      path: 'hci-cl01',
    });
    assert.equal(hybridConnectionOf('wss://contoso.servicebus.windows.net/hci-cl01'), null);
    assert.equal(hybridConnectionOf('http://contoso.servicebus.windows.net/$hc/hci-cl01'), null);
    assert.equal(sasResourceOf('wss://127.0.0.1:8443/$hc/a%20b?sb-hc-action=listen'), 'http://127.0.0.1/a%20b');
    assert.throws(() => sasResourceOf('https://example.com/'), RangeError);

    assert.equal(addressOfSasResource('http://contoso.servicebus.windows.net/hci-cl01'), 'wss://contoso.servicebus.windows.net/$hc/hci-cl01');
    assert.equal(addressOfSasResource('sb://contoso.servicebus.windows.net/hci-cl01/'), 'wss://contoso.servicebus.windows.net/$hc/hci-cl01');
    assert.equal(addressOfSasResource('https://127.0.0.1:8443/hci-cl01'), 'wss://127.0.0.1:8443/$hc/hci-cl01');
    assert.equal(addressOfSasResource('http://contoso.servicebus.windows.net/'), null, 'a namespace-wide token names no Hybrid Connection');
    assert.equal(addressOfSasResource('http://contoso.servicebus.windows.net/a/b'), null);
    assert.equal(addressOfSasResource('ftp://contoso.servicebus.windows.net/a'), null);
    assert.equal(addressOfSasResource('garbage'), null);
  });
});
