import type { NodeOutcome, ServerMessage } from '../channel/protocol';
import { renderCell } from '../text/text-table';
import type { CommandReply } from './channel-client';

/**
 * How the console shows the gateway's answers: pure functions from messages
 * to text, shared by the interactive and the non-interactive modes.
 */

export type Opened = Extract<ServerMessage, { type: 'opened' }>;
export type Ended = Extract<ServerMessage, { type: 'ended' }>;

/** Time left as people read it: `7h59m`, `45m`, `30s`, `13d23h`. */
export function formatTimeLeft(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const days = Math.floor(s / 86_400);
  const hours = Math.floor((s % 86_400) / 3600);
  const minutes = Math.floor((s % 3600) / 60);
  if (days > 0) return `${days}d${hours}h`;
  if (hours > 0) return `${hours}h${minutes}m`;
  if (minutes > 0) return `${minutes}m`;
  return `${s}s`;
}

/**
 * A moment as the engineer reads it, in the engineer's time zone with the
 * zone named and the UTC time after it: `2026-12-03 15:54 PST (23:54Z)`.
 * The admin's tool shows the same local time with its zone, and UTC on
 * hover, so both can name the same moment. `timeZone` is for tests.
 */
export function formatMoment(iso: string, timeZone?: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    timeZoneName: 'short',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(d);
  const get = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? '';
  const zone = get('timeZoneName').replace(/^GMT(?=[+-]|$)/, 'UTC') || 'UTC';
  const utc = d.toISOString().slice(11, 16);
  return `${get('year')}-${get('month')}-${get('day')} ${get('hour')}:${get('minute')} ${zone} (${utc}Z)`;
}

/** The cluster's short name (`hci-cl01` for `hci-cl01.contoso.local`), as PowerShell prompts show hosts. */
export function shortCluster(cluster: string): string {
  return cluster.split('.')[0] || cluster;
}

/** The interactive prompt: level, case and time left, then the cluster and any node selection. */
export function promptText(p: { accessLevel: string; supportCase: string; secondsLeft: number; cluster: string; nodes: readonly string[] | undefined }): string {
  const where = p.nodes ? `${shortCluster(p.cluster)}/${p.nodes.join(',')}` : shortCluster(p.cluster);
  return `[${p.accessLevel} case ${p.supportCase} ${formatTimeLeft(p.secondsLeft)} left] ${where}> `;
}

/** The lines printed when a session opens; the expiry in the engineer's zone and in UTC. */
export function sessionBanner(opened: Opened, supportCase: string, timeZone?: string): string {
  return [
    `Session ${opened.sessionId} opened on ${opened.cluster} for support case ${supportCase}.`,
    `Access level ${opened.accessLevel} until ${formatMoment(opened.expiresAt, timeZone)} (${formatTimeLeft(opened.secondsLeft)} left) on ${opened.nodes.join(', ')}.`,
    'The cluster administrator sees every command; each one is checked by the gateway and recorded in the session transcript.',
  ].join('\n') + '\n';
}

/** The outcomes in the order of the nodes the command ran on (they arrive as each node settles). */
export function inNodeOrder(reply: CommandReply): NodeOutcome[] {
  const order = reply.accepted?.nodes ?? [];
  const rank = (n: string) => {
    const i = order.indexOf(n);
    return i < 0 ? order.length : i;
  };
  return [...reply.outputs].sort((a, b) => rank(a.node) - rank(b.node) || a.node.localeCompare(b.node));
}

/**
 * A command's answer as text: a header and the PowerShell-formatted text per
 * node, `node: Code: message` for a node that failed, or the denial or
 * gateway error. Node text is shown, never interpreted: control characters
 * become U+FFFD so output cannot drive the engineer's terminal.
 */
export function renderReply(reply: CommandReply): string {
  const lines: string[] = [];
  if (reply.approvalPending && reply.accepted) lines.push('Approved by the cluster administrator; the command ran.');
  if (reply.denied) lines.push(`Denied (${reply.denied.reason}): ${renderCell(reply.denied.message)}`);
  if (reply.error) lines.push(`Error ${reply.error.code}: ${renderCell(reply.error.message)}`);
  for (const outcome of inNodeOrder(reply)) {
    if (outcome.ok) {
      const text = renderCell(outcome.text).replace(/\n+$/, '');
      lines.push(`=== ${outcome.node} ===`, text === '' ? '(no output)' : text);
    } else {
      lines.push(`${outcome.node}: ${outcome.error.code}: ${renderCell(outcome.error.message)}`);
    }
  }
  return lines.length ? lines.join('\n') + '\n' : '';
}

/** The line printed as soon as a repair starts waiting for the cluster administrator's approval. */
export function approvalPendingLine(pending: { approvalId: string; message: string }): string {
  return `Waiting for approval: ${renderCell(pending.message)} [approval ${pending.approvalId}]\n`;
}

/** The line after each command: level and time left, when the gateway said. */
export function statusLine(accessLevel: string, secondsLeft: number): string {
  return `(${accessLevel}, ${formatTimeLeft(secondsLeft)} left)\n`;
}

/** The line printed when the gateway ends the session. */
export function endedLine(ended: Ended): string {
  return `Session ended: ${ended.reason} — ${renderCell(ended.message)}\n`;
}

/** A command that was denied, failed in the gateway, or failed on any node. */
export function replyFailed(reply: CommandReply): boolean {
  return reply.denied !== null || reply.error !== null || reply.outputs.some((o) => !o.ok);
}

/** Words wrapped into lines of at most `width` characters, each indented. */
export function wrapWords(words: readonly string[], width = 78, indent = '  '): string {
  const lines: string[] = [];
  let line = '';
  for (const w of words) {
    const next = line ? `${line}  ${w}` : w;
    if (line && indent.length + next.length > width) {
      lines.push(indent + line);
      line = w;
    } else line = next;
  }
  if (line) lines.push(indent + line);
  return lines.join('\n') + '\n';
}
