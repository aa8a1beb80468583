import type { ClusterStatus, LoginLink, Prerequisites } from '../contract/admin-api';
import { EXIT } from './cli-error';
import { CommandHandler } from './command-context';
import { renderList, renderTable } from '../text/text-table';

/** Agent operation times arrive as epoch milliseconds; the CLI shows every time as ISO 8601. */
/** The relay listener in one line: off, listening, reconnecting (why, and when next), or not listening (why). */
export function relayLine(r: ClusterStatus['relay']): string {
  if (!r) return 'off (engineers connect to the gateway directly)';
  const at = r.address ? ` on ${r.address}` : '';
  switch (r.state) {
    case 'connected':
      return `listening${at} since ${r.connectedAt ?? r.since}`;
    case 'connecting':
      return `connecting${at}`;
    case 'reconnecting':
      return `reconnecting${at}: ${r.error ?? 'the connection dropped'} (${r.attempts} failed attempt(s); next at ${r.nextRetryAt ?? 'once the SAS is renewed'})`;
    default:
      return `not listening${at}: ${r.error ?? 'no access is granted'}`;
  }
}

/** `status`: the cluster at a glance (a CLI extra with no reference cmdlet). */
export const status: CommandHandler = async (ctx) => {
  const s = await ctx.gateway().get<ClusterStatus>('status');
  ctx.out.result(s);
  const g = s.activeGrant;
  const op = s.agentOperation;
  ctx.out.text(
    renderList([
      ['Cluster', s.cluster],
      ['Registered', s.registered],
      ['Now', s.now],
      ['ActiveGrant', g ? `${g.accessLevel} until ${g.expiresAt} (granted by ${g.grantedBy} at ${g.grantedAt})` : 'none'],
      ['LiveSessions', s.liveSessions.length],
      ['LastAgentOperation', op ? `${op.kind} ${op.status} (started ${op.startedAt}${op.finishedAt ? `, finished ${op.finishedAt}` : ''})` : 'none'],
      ...(s.relay !== undefined ? [['Relay', relayLine(s.relay)] as [string, string]] : []),
    ]),
  );
  ctx.out.text(
    '\n' +
      renderTable(s.nodes, [
        { header: 'Node', value: (n) => n.name },
        { header: 'Online', value: (n) => n.online },
        { header: 'Agent', value: (n) => n.agent.state },
        { header: 'Version', value: (n) => n.agent.version },
        { header: 'UpdatedAt', value: (n) => n.agent.updatedAt },
        { header: 'Detail', value: (n) => n.agent.detail },
      ]),
  );
  if (s.liveSessions.length) {
    ctx.out.text(
      '\n' +
        renderTable(s.liveSessions, [
          { header: 'Session', value: (x) => x.id },
          { header: 'Engineer', value: (x) => x.engineer },
          { header: 'AccessLevel', value: (x) => x.accessLevel },
          { header: 'StartedAt', value: (x) => x.startedAt },
          { header: 'Commands', value: (x) => x.commandCount },
        ]),
    );
  }
  return EXIT.ok;
};

/**
 * `prerequisites`: every check with its result, and what to do about those
 * that do not pass. Exits 0 either way: the command worked; `ready` says
 * whether the cluster is (scripts read it from --json).
 */
export const prerequisites: CommandHandler = async (ctx) => {
  const result = await ctx.gateway().get<Prerequisites>('prerequisites');
  ctx.out.result(result);
  ctx.out.text(
    renderTable(result.checks, [
      { header: 'Status', value: (c) => c.status },
      { header: 'Check', value: (c) => c.title },
      { header: 'Detail', value: (c) => c.detail },
    ]),
  );
  const todo = result.checks.filter((c) => c.status !== 'passed' && c.remedy);
  if (todo.length) ctx.out.text('\nTo fix:\n' + todo.map((c) => `- ${c.title}: ${c.remedy}`).join('\n'));
  ctx.out.text(`\nReady: ${result.ready ? 'yes' : 'no'}`);
  return EXIT.ok;
};

/**
 * `login-link`: mints a one-time browser login link with the admin
 * credential (POST /api/login-links) and prints it on the gateway's URL.
 */
export const loginLink: CommandHandler = async (ctx) => {
  const gateway = ctx.gateway();
  const link = await gateway.post<LoginLink>('/api/login-links', undefined);
  const url = `${gateway.target.url}${link.path}`;
  ctx.out.result({ url, expiresAt: link.expiresAt });
  ctx.out.text(`${url}\nOpen it once in a browser before ${link.expiresAt}; it signs in a single browser session.`);
  return EXIT.ok;
};
