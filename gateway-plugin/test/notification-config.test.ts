import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../src/config/config';
import { NOTIFICATION_TYPES } from '../src/domain/notification-types';
import { tempDir } from './helpers/gateway-fixture';

describe('the notifications section of the configuration', () => {
  const dir = tempDir('rs-notify-config-');
  after(() => dir.remove());
  let n = 0;
  /** Loads a configuration file holding `notifications` (and `mode`, when given). */
  const load = (notifications: unknown, mode?: string) => {
    const file = join(dir.path, `c${n++}.json`);
    writeFileSync(file, JSON.stringify({ ...(mode ? { mode } : {}), dataDir: dir.path, notifications }));
    return loadConfig(['--config', file], {});
  };
  const refused = (notifications: unknown, message: RegExp, mode?: string) => assert.throws(() => load(notifications, mode), (e: unknown) => e instanceof ConfigError && message.test(e.message));
  const hook = { url: 'https://hooks.contoso.com/remote-support', secretFile: '/etc/remote-support/webhook.secret' };
  const mail = { host: 'smtp.contoso.com', security: 'starttls', from: 'remote-support@contoso.com', to: ['hci-admins@contoso.com'] };

  it('gives webhooks the JSON format and every event, and email its usual port, when left out', () => {
    const c = load({ wacUrl: 'https://wac.contoso.com/', webhooks: [hook], email: mail }).notifications!;
    assert.deepEqual(c.webhooks, [{ ...hook, format: 'json', events: [...NOTIFICATION_TYPES] }]);
    assert.equal(c.email!.port, 587);
    assert.deepEqual(c.email!.events, [...NOTIFICATION_TYPES]);
    assert.equal(load({ email: { ...mail, security: 'tls' } }).notifications!.email!.port, 465);
    assert.equal(c.wacUrl, 'https://wac.contoso.com/');
  });

  it('takes a Teams webhook with its own events and CA', () => {
    const c = load({ webhooks: [{ ...hook, format: 'teams', events: ['grant.revoked', 'integrity.failed'], caFile: '/etc/ca.pem' }] }).notifications!;
    assert.deepEqual(c.webhooks[0], { ...hook, format: 'teams', events: ['grant.revoked', 'integrity.failed'], caFile: '/etc/ca.pem' });
  });

  it('refuses a plain http:// webhook, except to this machine in test mode', () => {
    refused({ webhooks: [{ ...hook, url: 'http://hooks.contoso.com/x' }] }, /^notifications\.webhooks\.0\.url must be an https:\/\/ URL/);
    refused({ webhooks: [{ ...hook, url: 'http://127.0.0.1:8080/x' }] }, /plain http:\/\/127\.0\.0\.1 or http:\/\/localhost is for test mode only/);
    refused({ webhooks: [{ ...hook, url: 'http://hooks.contoso.com/x' }] }, /notifications\.webhooks\.0\.url must be an https/, 'test');
    assert.equal(load({ webhooks: [{ ...hook, url: 'http://127.0.0.1:8080/x' }] }, 'test').notifications!.webhooks[0]!.url, 'http://127.0.0.1:8080/x');
    refused({ webhooks: [{ ...hook, url: 'ftp://hooks.contoso.com/x' }] }, /^notifications\.webhooks\.0\.url must be an https:\/\/ URL \(http:\/\/127\.0\.0\.1 or http:\/\/localhost in test mode only\) \(got "ftp:/);
    refused({ webhooks: [{ ...hook, url: 'https://user:pw@hooks.contoso.com/x' }] }, /notifications\.webhooks\.0\.url must not carry a user name or password/);
  });

  it('names the setting and the allowed values for a bad format, event, secret file or extra key', () => {
    refused({ webhooks: [{ ...hook, format: 'xml' }] }, /^notifications\.webhooks\.0\.format must be one of json, teams \(got "xml"\)$/);
    refused({ webhooks: [{ ...hook, events: ['grant.created'] }] }, /^notifications\.webhooks\.0\.events must each be one of request\.created, request\.expired, session\.started, session\.ended, repair\.pending, grant\.revoked, grant\.expired, integrity\.failed \(got "grant\.created"\)$/);
    refused({ webhooks: [{ ...hook, events: [] }] }, /^notifications\.webhooks\.0\.events must be a list of event types, each once/);
    refused({ webhooks: [{ ...hook, events: ['grant.revoked', 'grant.revoked'] }] }, /^notifications\.webhooks\.0\.events must be a list of event types, each once/);
    refused({ webhooks: [{ url: hook.url }] }, /^notifications\.webhooks\.0\.secretFile must be set: a file \(mode 0600\)/);
    refused({ webhooks: [{ ...hook, secret: 'inline' }] }, /^Unknown setting notifications\.webhooks\.0\.secret; the settings of notifications\.webhooks\.0 are url, secretFile, format, events, caFile$/);
    refused({ webhook: hook }, /^Unknown setting notifications\.webhook; the settings of notifications are wacUrl, webhooks, email$/);
    refused({ wacUrl: 'http://wac.contoso.com/' }, /^notifications\.wacUrl must be the https:\/\/ URL of Windows Admin Center/);
  });

  it('refuses email in plain text outside test mode, a password without TLS, and a user without a password file', () => {
    refused({ email: { ...mail, security: 'none' } }, /^notifications\.email\.security must be tls or starttls: "none" sends mail in plain text and is for test mode only$/);
    assert.equal(load({ email: { ...mail, security: 'none' } }, 'test').notifications!.email!.port, 25);
    refused({ email: { ...mail, security: 'none', user: 'notify', passwordFile: '/p' } }, /notifications\.email\.user needs security tls or starttls/, 'test');
    refused({ email: { ...mail, user: 'notify' } }, /notifications\.email\.user and notifications\.email\.passwordFile go together/);
    refused({ email: { ...mail, security: 'ssl' } }, /^notifications\.email\.security must be one of tls, starttls, none \(none: test mode only\) \(got "ssl"\)$/);
  });

  it('names the bad address, the empty recipient list and the bad port', () => {
    refused({ email: { ...mail, to: [] } }, /^notifications\.email\.to must be a list of 1 to 50 email addresses \(got a list of 0\)$/);
    refused({ email: { ...mail, to: ['not-an-address'] } }, /^notifications\.email\.to must each be an email address \(got "not-an-address"\)$/);
    refused({ email: { ...mail, from: 'Remote Support <rs@contoso.com>' } }, /^notifications\.email\.from must be an email address, such as remote-support@contoso\.com/);
    refused({ email: { ...mail, port: 0 } }, /^notifications\.email\.port must be an integer from 1 to 65535 \(got 0\)$/);
    refused({ email: { ...mail, host: undefined } }, /^notifications\.email\.host must be set/);
  });
});
