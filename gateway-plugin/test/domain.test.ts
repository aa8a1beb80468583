import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { levelsIncludedBy } from '../src/domain/access-level';
import { MINUTE_MS, DAY_MS } from '../src/domain/clock';
import { FakeClock } from '../src/test-support/fake-clock';
import { EXPIRE_IN_MINUTES, isValidExpireInMinutes } from '../src/domain/duration';
import { refusal } from './helpers/refusal';
import { expiryOf, grantState, parseGrantRequest } from '../src/domain/grant';
import { readDate } from '../src/domain/dates';
import { GrantRequest } from '../src/contract/admin-api';
import { validator } from '../src/contract/validation';
import { defaultHistoryFrom, expiredGrantCutoff, transcriptCutoff } from '../src/domain/retention';
import { parseSasCredential } from '../src/domain/sas-credential';
import { TERMS_TEXT, TERMS_VERSION } from '../src/domain/terms';
import { commandsForLevel, COMMAND_TABLE } from '../src/policy/command-table';
import { createHash } from 'node:crypto';

const NOW = Date.UTC(2026, 10, 25, 9, 0, 0);
const SAS = (expSeconds: number) =>
  `SharedAccessSignature sr=${encodeURIComponent('https://relay.servicebus.windows.net/hc')}&sig=abc%3D&se=${expSeconds}&skn=RootManageSharedAccessKey`;

describe('ExpireInMinutes', () => {
  for (const [value, ok] of [[59, false], [60, true], [480, true], [20160, true], [20161, false], [60.5, false], ['480', false], [Number.NaN, false], [-60, false]] as const) {
    it(`${ok ? 'accepts' : 'refuses'} ${String(value)}`, () => {
      assert.equal(isValidExpireInMinutes(value), ok);
    });
  }

  it('defaults to 480 minutes when the request leaves it out', () => {
    const r = parseGrantRequest({ accessLevel: 'Diagnostics', agreeToRemoteSupportConsent: true }, true, NOW);
    assert.equal(r.expireInMinutes, EXPIRE_IN_MINUTES.default);
    assert.equal(r.expireInMinutes, 480);
  });

  it('names the field and the range when refusing 20161', () => {
    const e = refusal(() => parseGrantRequest({ accessLevel: 'Diagnostics', expireInMinutes: 20161, agreeToRemoteSupportConsent: true }, true, NOW));
    assert.equal(e.code, 'InvalidExpireInMinutes');
    assert.equal(e.field, 'expireInMinutes');
    assert.match(e.message, /expireInMinutes must be an integer from 60 to 20160 \(got 20161\)/);
  });

  it('puts the expiry exactly ExpireInMinutes after the grant', () => {
    assert.equal(expiryOf(NOW, 60), NOW + 60 * MINUTE_MS);
    assert.equal(expiryOf(NOW, 20160), NOW + 14 * DAY_MS);
  });
});

describe('access levels', () => {
  it('lets DiagnosticsRepair include everything Diagnostics allows', () => {
    assert.deepEqual(levelsIncludedBy('DiagnosticsRepair'), ['Diagnostics', 'DiagnosticsRepair']);
    const diag = commandsForLevel('Diagnostics').map((c) => c.name);
    const repair = commandsForLevel('DiagnosticsRepair').map((c) => c.name);
    for (const name of diag) assert.ok(repair.includes(name));
    assert.ok(repair.includes('Restart-Service'));
    assert.ok(!diag.includes('Restart-Service'));
  });

  it('keeps the 20 cmdlets of the reference in Diagnostics', () => {
    const reference = ['Get-AzureStackHCI', 'Get-Cluster', 'Get-ClusterGroup', 'Get-ClusterNode', 'Get-ClusterOwnerNode', 'Get-ClusterResource', 'Get-ClusterSharedVolume', 'Get-NetAdapter', 'Get-NetAdapterRdma', 'Get-PhysicalDisk', 'Get-StorageEnclosure', 'Get-StorageJob', 'Get-StorageNode', 'Get-StorageSubsystem', 'Get-VHD', 'Get-VirtualDisk', 'Get-VM', 'Get-VMHost', 'Get-VMSwitch', 'Get-Volume'];
    const diag = commandsForLevel('Diagnostics').map((c) => c.name);
    for (const name of reference) assert.ok(diag.includes(name), name);
    for (const entry of COMMAND_TABLE) assert.ok(entry.reason.length > 10, `${entry.name} has a reason`);
  });

  it('refuses an unknown level and names the allowed ones', () => {
    const e = refusal(() => parseGrantRequest({ accessLevel: 'Admin', agreeToRemoteSupportConsent: true }, true, NOW));
    assert.equal(e.code, 'InvalidAccessLevel');
    assert.match(e.message, /accessLevel must be one of Diagnostics, DiagnosticsRepair \(got "Admin"\)/);
  });

  it('treats level names as exact (no case folding)', () => {
    assert.equal(refusal(() => parseGrantRequest({ accessLevel: 'diagnostics', agreeToRemoteSupportConsent: true }, true, NOW)).code, 'InvalidAccessLevel');
  });
});

describe('consent', () => {
  it('refuses a grant without an explicit true agreement', () => {
    for (const agree of [undefined, false, 'true', 1]) {
      const body: Record<string, unknown> = { accessLevel: 'Diagnostics' };
      if (agree !== undefined) body['agreeToRemoteSupportConsent'] = agree;
      assert.equal(refusal(() => parseGrantRequest(body, true, NOW)).code, 'ConsentRequired');
    }
  });

  it('records the terms version as the SHA-256 of the terms text', () => {
    assert.equal(TERMS_VERSION, createHash('sha256').update(TERMS_TEXT).digest('hex'));
    assert.equal(parseGrantRequest({ accessLevel: 'Diagnostics', agreeToRemoteSupportConsent: true }, true, NOW).termsVersion, TERMS_VERSION);
    assert.match(TERMS_TEXT, /90 days/);
    assert.match(TERMS_TEXT, /does not recall/);
  });

  it('refuses an agreement to terms that are not the current ones', () => {
    const e = refusal(() => parseGrantRequest({ accessLevel: 'Diagnostics', agreeToRemoteSupportConsent: true, termsVersion: 'f'.repeat(64) }, true, NOW));
    assert.equal(e.code, 'TermsVersionMismatch');
  });

  it('refuses fields it does not know, naming them (the contract\'s check of the body)', () => {
    const e = refusal(() => validator(GrantRequest, 'body')({ accessLevel: 'Diagnostics', agreeToRemoteSupportConsent: true, expireInMinute: 60 }));
    assert.equal(e.code, 'UnknownField');
    assert.equal(e.field, 'expireInMinute');
  });

  it('checks the support case number', () => {
    assert.equal(parseGrantRequest({ accessLevel: 'Diagnostics', agreeToRemoteSupportConsent: true, supportCaseNumber: '2611250010001234' }, true, NOW).supportCaseNumber, '2611250010001234');
    for (const bad of ['', 'has space', 'x'.repeat(65), '-leading', 42, 'semi;colon']) {
      assert.equal(refusal(() => parseGrantRequest({ accessLevel: 'Diagnostics', agreeToRemoteSupportConsent: true, supportCaseNumber: bad }, true, NOW)).code, 'InvalidSupportCaseNumber', String(bad));
    }
  });
});

describe('SAS credential', () => {
  const future = Math.floor(NOW / 1000) + 3600;

  it('is required when the cluster is not registered', () => {
    assert.equal(refusal(() => parseGrantRequest({ accessLevel: 'Diagnostics', agreeToRemoteSupportConsent: true }, false, NOW)).code, 'SasCredentialRequired');
    const ok = parseGrantRequest({ accessLevel: 'Diagnostics', agreeToRemoteSupportConsent: true, sasCredential: SAS(future) }, false, NOW);
    assert.equal(ok.sasCredential, SAS(future));
  });

  it('is refused when the cluster is registered', () => {
    assert.equal(refusal(() => parseGrantRequest({ accessLevel: 'Diagnostics', agreeToRemoteSupportConsent: true, sasCredential: SAS(future) }, true, NOW)).code, 'SasCredentialNotAccepted');
  });

  it('must be well formed and unexpired', () => {
    for (const bad of ['token', 'SharedAccessSignature sr=a&sig=b', SAS(Math.floor(NOW / 1000) - 1), 'SharedAccessSignature sr=a&sig=b&se=soon&skn=k']) {
      assert.equal(refusal(() => parseSasCredential(bad, NOW)).code, 'InvalidSasCredential', bad);
    }
    assert.equal(parseSasCredential(SAS(future), NOW).keyName, 'RootManageSharedAccessKey');
  });

  it('is never echoed at length in an error message', () => {
    const secret = 'x'.repeat(100);
    const e = refusal(() => parseSasCredential(secret, NOW));
    assert.ok(!e.message.includes(secret));
  });
});

describe('grant state', () => {
  const g = { expiresAt: NOW + 60 * MINUTE_MS, endedAt: null, endReason: null };
  it('is active until the exact expiry millisecond, then expired', () => {
    assert.equal(grantState(g, NOW + 60 * MINUTE_MS - 1), 'active');
    assert.equal(grantState(g, NOW + 60 * MINUTE_MS), 'expired');
  });
  it('reports revoked and superseded grants as such', () => {
    assert.equal(grantState({ ...g, endedAt: NOW + 1, endReason: 'revoked' }, NOW + 2), 'revoked');
    assert.equal(grantState({ ...g, endedAt: NOW + 1, endReason: 'superseded' }, NOW + 2), 'superseded');
  });
});

describe('retention windows', () => {
  it('are 30 days for ended grants, 90 days for transcripts and 7 days of default history', () => {
    assert.equal(NOW - expiredGrantCutoff(NOW), 30 * DAY_MS);
    assert.equal(NOW - transcriptCutoff(NOW), 90 * DAY_MS);
    assert.equal(NOW - defaultHistoryFrom(NOW), 7 * DAY_MS);
  });
});

describe('dates', () => {
  it('reads ISO dates and date-times', () => {
    assert.equal(readDate('2026-11-18', 'fromDate'), Date.UTC(2026, 10, 18));
    assert.equal(readDate('2026-11-18T09:30:00Z', 'fromDate'), Date.UTC(2026, 10, 18, 9, 30));
    assert.equal(readDate('2026-11-18T09:30:00+01:00', 'fromDate'), Date.UTC(2026, 10, 18, 8, 30));
  });
  it('refuses malformed and impossible dates, naming the field', () => {
    for (const bad of ['yesterday', '2026-02-30', '2026-13-01', '18/11/2026', '', '2026-11-18T25:00:00Z', '1e12']) {
      const e = refusal(() => readDate(bad, 'fromDate'));
      assert.equal(e.code, 'InvalidDate', bad);
      assert.equal(e.field, 'fromDate');
    }
  });
});

describe('FakeClock', () => {
  it('fires timers in time order when advanced, and not before', () => {
    const clock = new FakeClock(NOW);
    const fired: string[] = [];
    clock.setTimer(NOW + 20, () => fired.push('b'));
    clock.setTimer(NOW + 10, () => fired.push('a'));
    const c = clock.setTimer(NOW + 15, () => fired.push('cancelled'));
    c.dispose();
    clock.advance(9);
    assert.deepEqual(fired, []);
    clock.advance(11);
    assert.deepEqual(fired, ['a', 'b']);
    assert.equal(clock.pendingTimers, 0);
  });
});
