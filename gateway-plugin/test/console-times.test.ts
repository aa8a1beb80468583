import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatMoment, Opened, sessionBanner } from '../src/console/console-render';

describe('the support console\'s times', () => {
  const moment = '2026-12-03T23:54:00.000Z';

  it('name the engineer\'s zone and the UTC time, so engineer and admin can match a moment', () => {
    assert.equal(formatMoment(moment, 'America/Los_Angeles'), '2026-12-03 15:54 PST (23:54Z)');
    assert.equal(formatMoment(moment, 'Europe/Berlin'), '2026-12-04 00:54 UTC+1 (23:54Z)');
    assert.equal(formatMoment(moment, 'UTC'), '2026-12-03 23:54 UTC (23:54Z)');
  });

  it('show the expiry in the banner of a new session that way, not as an ISO string', () => {
    const opened = { type: 'opened', sessionId: 's-1', cluster: 'hci-cl01.contoso.local', accessLevel: 'Diagnostics', expiresAt: moment, secondsLeft: 3600, nodes: ['hci-n01'] } as unknown as Opened;
    const banner = sessionBanner(opened, 'CASE-1', 'America/Los_Angeles');
    assert.match(banner, /until 2026-12-03 15:54 PST \(23:54Z\) \(1h0m left\)/);
    assert.doesNotMatch(banner, /T23:54:00/);
  });
});
