import { CHANNEL_PATH } from '../channel/channel-path';
import { CliError, usageError } from '../cli/cli-error';
import { GatewayClient } from '../cli/gateway-client';
import type { CliOutput } from '../cli/output';
import type { FlagValues } from '../cli-kit/flag-reader';
import { ACCESS_LEVELS, isAccessLevel } from '../domain/access-level';
import { EXPIRE_IN_MINUTES } from '../domain/duration';
import { CONSOLE_EXIT } from './console-exit';
import { formatMoment as formatWhen } from './console-render';

/** What the engineer asks the administrator from the console, instead of opening a session. */
export type ConsoleRequest =
  | { kind: 'access'; level: (typeof ACCESS_LEVELS)[number]; minutes: number; reason: string }
  | { kind: 'extension'; minutes: number; reason: string }
  | { kind: 'answer'; requestId: string; text: string };

/** The flags of the request mode (see CONSOLE_FLAGS). */
export const REQUEST_FLAGS = ['--request-access', '--request-more-time', '--answer'] as const;

/** How long the console waits on its request in one call (within the client's 30 s limit); it asks again until the request is answered. */
const WAIT_SECONDS = 25;

/** Reads the request mode's flags; null when none is given (the console opens a session). */
export function readRequestFlags(flags: FlagValues): ConsoleRequest | null {
  const modes = REQUEST_FLAGS.filter((f) => flags.has(f));
  if (modes.length === 0) {
    for (const f of ['--level', '--minutes', '--request-id', '--no-wait'] as const) {
      if (flags.has(f)) throw usageError(`${f} goes with --request-access, --request-more-time or --answer`, '--request-access, --request-more-time or --answer', f);
    }
    return null;
  }
  if (modes.length > 1) throw usageError(`${modes[0]} and ${modes[1]} exclude each other: ask one thing at a time`, modes.join(' or '), modes[1]);
  if (flags.has('--command')) throw usageError(`--command and ${modes[0]} exclude each other: run commands once access is granted`, `--command, or ${modes[0]}`, '--command');
  const reason = () => {
    const text = flags.value('--reason');
    if (text === undefined || text.trim() === '') throw usageError('--reason is required: say what you need to do and why (the administrator reads it)', '--reason TEXT', '--reason');
    return text;
  };
  const minutes = (flag: string, min: number, fallback: number | undefined) => {
    const raw = flags.value(flag);
    if (raw === undefined && fallback !== undefined) return fallback;
    const n = raw !== undefined && /^\d{1,6}$/.test(raw) ? Number(raw) : NaN;
    if (!(n >= min && n <= EXPIRE_IN_MINUTES.max)) throw usageError(`${flag} must be a whole number of minutes from ${min} to ${EXPIRE_IN_MINUTES.max} (got ${JSON.stringify(String(raw).slice(0, 20))})`, `${min} to ${EXPIRE_IN_MINUTES.max}`, flag);
    return n;
  };
  if (flags.has('--answer')) {
    const requestId = flags.value('--request-id');
    if (requestId === undefined) throw usageError('--answer needs --request-id: the request whose question you answer', '--request-id ID', '--request-id');
    const text = flags.value('--answer') ?? '';
    if (text.trim() === '') throw usageError('--answer needs the text of your answer', '--answer TEXT', '--answer');
    return { kind: 'answer', requestId, text };
  }
  if (flags.has('--request-more-time')) return { kind: 'extension', minutes: minutes('--request-more-time', 15, undefined), reason: reason() };
  const level = flags.value('--level');
  if (level === undefined || !isAccessLevel(level)) throw usageError(`--level must be ${ACCESS_LEVELS.join(' or ')} (got ${JSON.stringify(String(level ?? '').slice(0, 30))})`, ACCESS_LEVELS.join(', '), '--level');
  return { kind: 'access', level, minutes: minutes('--minutes', EXPIRE_IN_MINUTES.min, EXPIRE_IN_MINUTES.default), reason: reason() };
}

interface RequestView {
  id: string;
  state: string;
  kind: string;
  accessLevel: string;
  expireInMinutes: number;
  expiresAt: string;
  approved: { accessLevel: string; expireInMinutes: number; startAt: string } | null;
  denial: string | null;
  messages: { from: string; by: string; text: string }[];
}

/**
 * Asks the administrator (access, or more time on the active grant) or
 * answers their question, straight to the gateway over HTTPS with the
 * engineer's token; then, unless told not to, waits for the answer, asking
 * the gateway to hold each call until the request changes, and says what it
 * is. Exit 0 when approved (or answered), 1 when denied or expired, 3 when
 * the administrator asks a question.
 */
export async function runRequest(
  request: ConsoleRequest,
  options: { channelUrl: string; ca: string | undefined; token: string; supportCase: string; nodes: string[] | undefined; wait: boolean },
  out: CliOutput,
): Promise<number> {
  const channel = new URL(options.channelUrl);
  const cluster = CHANNEL_PATH.exec(channel.pathname)?.[1];
  if (!cluster) throw usageError(`Access requests go to the gateway itself: ${options.channelUrl} is not a gateway's channel`, 'wss://HOST:PORT/api/channel/CLUSTER', '--gateway');
  // The CLI's one client of the gateway: its CA, time limit and error bodies (as CliErrors) are the same here.
  const gateway = new GatewayClient({
    url: `https://${channel.host}`,
    cluster,
    ca: options.ca,
    token: options.token,
    tokenSource: "the engineer's sign-in",
    urlSource: options.channelUrl,
    caSource: null,
  });
  const base = `/api/support/clusters/${encodeURIComponent(cluster)}/requests`;
  const mine = (id: string) => `${base}/${encodeURIComponent(id)}`;
  try {
    let current: RequestView;
    if (request.kind === 'answer') {
      current = (await gateway.post<{ request: RequestView }>(`${mine(request.requestId)}/reply`, { text: request.text })).request;
      out.text(`Answer sent; request ${current.id} waits for the administrator again.`);
    } else {
      current = (await gateway.post<{ request: RequestView }>(base, {
        kind: request.kind,
        supportCaseNumber: options.supportCase,
        ...(request.kind === 'access' ? { accessLevel: request.level } : {}),
        expireInMinutes: request.minutes,
        ...(options.nodes ? { nodes: options.nodes } : {}),
        reason: request.reason,
      })).request;
      out.text(`Asked for ${request.kind === 'access' ? `${request.level} access for ${request.minutes} minutes` : `${request.minutes} more minutes`} on case ${options.supportCase}: request ${current.id}.`);
    }
    if (options.wait) {
      out.text(`Waiting for the administrator's answer (the request expires unanswered at ${formatWhen(current.expiresAt)}; Ctrl-C stops waiting, the request stays).`);
      while (current.state === 'pending') current = (await gateway.get<{ request: RequestView }>(mine(current.id), { waitSeconds: WAIT_SECONDS })).request;
    }
    out.result({ request: current });
    return outcome(current, out);
  } catch (e) {
    if (e instanceof CliError && e.body.code === 'GatewayUnreachable') {
      throw new CliError(e.body, 'Access requests go to the gateway itself over HTTPS, not through the relay (which listens only while access is granted).');
    }
    throw e;
  } finally {
    gateway.dispose();
  }
}

/** Says what became of the request, and the exit code for it. */
function outcome(r: RequestView, out: CliOutput): number {
  switch (r.state) {
    case 'approved':
      out.text(`Approved: ${r.approved!.accessLevel} for ${r.approved!.expireInMinutes} minutes${r.kind === 'extension' ? ' more' : ''}. Connect with support-console --case … now.`);
      return CONSOLE_EXIT.ok;
    case 'scheduled':
      out.text(`Approved for later: ${r.approved!.accessLevel} for ${r.approved!.expireInMinutes} minutes from ${formatWhen(r.approved!.startAt)}.`);
      return CONSOLE_EXIT.ok;
    case 'info-requested': {
      const question = [...r.messages].reverse().find((m) => m.from === 'admin');
      out.text(`The administrator asks: ${question?.text ?? '(no text)'}\nAnswer with: support-console --request-id ${r.id} --answer "…"`);
      return CONSOLE_EXIT.sessionEnded;
    }
    case 'denied':
      out.text(`Denied: ${r.denial ?? '(no reason given)'}`);
      return CONSOLE_EXIT.failed;
    case 'expired':
      out.text('Expired: nobody answered in time. Ask again, or call the administrator.');
      return CONSOLE_EXIT.failed;
    default:
      out.text(`Request ${r.id} is ${r.state}.`);
      return CONSOLE_EXIT.ok;
  }
}
