import { SESSION_END_REASONS } from './api-models';
import { formatCount, formatDateTime, formatDurationSeconds, formatEndReason, formatSpan, formatTimeOfDay, formatUtc, toDateInput, zoneName } from './format';
import { toGatewayError } from './gateway-error';
import { format } from './strings';

describe('format', () => {
  it('shows the two largest units of a span', () => {
    expect(formatSpan(2 * 86_400_000 + 3 * 3_600_000 + 5_000)).toBe('2 d 3 h');
    expect(formatSpan(7 * 3_600_000 + 59 * 60_000 + 12_000)).toBe('7 h 59 min');
    expect(formatSpan(4 * 60_000 + 5_000)).toBe('4 min 05 s');
    expect(formatSpan(42_000)).toBe('42 s');
    expect(formatSpan(-5)).toBe('0 s');
  });

  it('shows times in the viewer\'s zone with the zone named (UTC under jest)', () => {
    expect(formatDateTime('2026-11-25T09:05:03.000Z')).toBe('2026-11-25 09:05 UTC');
    expect(formatDateTime('2026-11-25T09:05:03.000Z', { seconds: true })).toBe('2026-11-25 09:05:03 UTC');
    expect(formatDateTime(null)).toBe('');
    expect(toDateInput(Date.parse('2026-11-18T23:59:00Z'))).toBe('2026-11-18');
  });

  it('names the zone, so an admin in Los Angeles and an engineer on UTC can match a moment', () => {
    const moment = '2026-12-03T23:54:00.000Z';
    expect(formatDateTime(moment, { timeZone: 'America/Los_Angeles' })).toBe('2026-12-03 15:54 PST');
    expect(formatUtc(moment)).toBe('2026-12-03 23:54:00 UTC');
    expect(formatDateTime(moment, { timeZone: 'Europe/Berlin' })).toBe('2026-12-04 00:54 UTC+1');
    expect(formatDateTime(moment, { timeZone: 'Asia/Kolkata' })).toBe('2026-12-04 05:24 UTC+5:30');
    expect(formatTimeOfDay(moment, { timeZone: 'America/Los_Angeles' })).toBe('15:54:00 PST');
    expect(zoneName(Date.parse(moment), 'America/Los_Angeles')).toBe('PST');
    expect(zoneName(Date.parse(moment))).toBe('UTC');
  });

  it('counts without "(s)"', () => {
    expect(formatCount(1, '1 session', '{0} sessions')).toBe('1 session');
    expect(formatCount(3, '1 session', '{0} sessions')).toBe('3 sessions');
    expect(formatCount(0, '1 entry matches "{0}"', '{0} entries match "{1}"', 'x')).toBe('0 entries match "x"');
  });

  it('names every reason a session can end, in words, and "Live" while it runs', () => {
    for (const endReason of SESSION_END_REASONS) expect(formatEndReason({ endReason })).not.toBe(endReason);
    expect(formatEndReason({ endReason: 'relay-disconnected' })).toBe('Relay connection lost');
    expect(formatEndReason({ endReason: null })).toBe('Live');
  });

  it('shows a session length, empty while it runs', () => {
    expect(formatDurationSeconds(3725)).toBe('1 h 02 min');
    expect(formatDurationSeconds(null)).toBe('');
  });

  it('fills numbered placeholders', () => {
    expect(format('{1} of {0}, {2}', 'a', 'b')).toBe('b of a, {2}');
  });
});

describe('toGatewayError', () => {
  it('reads a catalog error from a JSON text body', () => {
    const e = toGatewayError({ status: 409, response: '{"error":{"code":"AgentOperationInProgress","message":"busy"}}' }, 'down');
    expect(e).toMatchObject({ code: 'AgentOperationInProgress', message: 'busy', status: 409, field: null });
  });

  it('names a status without a catalog body', () => {
    expect(toGatewayError({ status: 502, message: 'Bad gateway' }, 'down')).toMatchObject({ code: 'Internal', status: 502 });
    expect(toGatewayError({ status: 0 }, 'down')).toMatchObject({ code: 'GatewayUnreachable', message: 'down' });
  });
});
