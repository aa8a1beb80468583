import { fieldError, isRemoteSupportError } from '../domain/errors';
import { readDate } from '../domain/dates';
import { isUuid } from '../domain/identifiers';
import type { SessionDetail, SessionHistory, SessionView, TranscriptPage } from '../contract/admin-api';
import { EXIT, usageError, withFlagNames } from './cli-error';
import { CommandContext, CommandHandler } from './command-context';
import { renderList, renderTable } from '../text/text-table';

/**
 * Entries asked for per transcript request. The gateway's own default page
 * size, well under its maximum, so one request stays small.
 */
export const TRANSCRIPT_PAGE_SIZE = 200;

const FLAG_OF = { fromDate: '--from-date', sessionId: '--session-id' } as const;

/** Runs a domain reader and re-words its error to name the flag. */
function readFlag<T>(read: () => T): T {
  try {
    return read();
  } catch (e) {
    if (isRemoteSupportError(e)) throw withFlagNames(e.toBody(), FLAG_OF);
    throw e;
  }
}

/**
 * `get-session-history` (Get-AzStackHCIRemoteSupportSessionHistory): the
 * session list since --from-date, or with --session-id one session and, with
 * --include-transcript, its whole transcript.
 */
export const getSessionHistory: CommandHandler = async (ctx) => {
  const sessionId = ctx.flags.value('--session-id');
  const fromDate = ctx.flags.value('--from-date');
  const includeTranscript = ctx.flags.has('--include-transcript');
  if (includeTranscript && sessionId === undefined) {
    throw usageError('--include-transcript needs --session-id: a transcript belongs to one session (list the sessions first to find its id)', '--session-id ID', '--include-transcript');
  }
  if (sessionId !== undefined && fromDate !== undefined) {
    throw usageError('--from-date filters the session list; leave it out when you name a session with --session-id', '--from-date or --session-id', '--from-date');
  }
  if (sessionId !== undefined) return showSession(ctx, sessionId, includeTranscript);

  // Sent as an ISO instant so the gateway reads exactly the moment checked here.
  const from = fromDate === undefined ? undefined : new Date(readFlag(() => readDate(fromDate, 'fromDate'))).toISOString();
  // Every page, so the table and the JSON document hold the whole history, as they did before the API paged it.
  const { first, items } = await ctx.gateway().allPages<SessionHistory, SessionView>('sessions', { fromDate: from }, (page) => page.sessions);
  const result = { fromDate: first.fromDate, sessions: items };
  ctx.out.result(result);
  if (result.sessions.length === 0) {
    ctx.out.text(`No sessions since ${result.fromDate}.`);
    return EXIT.ok;
  }
  ctx.out.text(`Sessions since ${result.fromDate}:\n`);
  ctx.out.text(
    renderTable(result.sessions, [
      { header: 'Id', value: (s) => s.id },
      { header: 'StartedAt', value: (s) => s.startedAt },
      { header: 'EndedAt', value: (s) => s.endedAt },
      { header: 'EndReason', value: (s) => s.endReason ?? (s.endedAt === null ? 'live' : null) },
      { header: 'Engineer', value: (s) => s.engineer },
      { header: 'Case', value: (s) => s.supportCase },
      { header: 'AccessLevel', value: (s) => s.accessLevel },
      { header: 'Commands', value: (s) => s.commandCount },
    ]),
  );
  return EXIT.ok;
};

async function showSession(ctx: CommandContext, id: string, includeTranscript: boolean): Promise<number> {
  // Checked here too, so a stray value never becomes part of a URL path.
  if (!isUuid(id)) throw withFlagNames(fieldError('InvalidSessionId', 'sessionId', 'a session id (a UUID)', id).toBody(), FLAG_OF);
  const gateway = ctx.gateway();
  const path = `sessions/${encodeURIComponent(id)}`;
  const first = await gateway.get<SessionDetail>(
    path,
    includeTranscript ? { includeTranscript: true, offset: 0, limit: TRANSCRIPT_PAGE_SIZE } : undefined,
  );
  const session = first.session;
  let transcript: TranscriptPage | undefined;
  if (includeTranscript && first.transcript) {
    const entries = [...first.transcript.entries];
    let total = first.transcript.total;
    // A live session keeps growing: follow the latest total, stop on an empty page.
    while (entries.length < total) {
      const next = await gateway.get<{ transcript: TranscriptPage }>(path, { includeTranscript: true, offset: entries.length, limit: TRANSCRIPT_PAGE_SIZE });
      if (next.transcript.entries.length === 0) break;
      entries.push(...next.transcript.entries);
      total = next.transcript.total;
    }
    transcript = { offset: 0, limit: entries.length, total, entries };
  }

  ctx.out.result(transcript ? { session, transcript } : { session });
  ctx.out.text(
    renderList([
      ['Id', session.id],
      ['Engineer', session.engineer],
      ['Case', session.supportCase],
      ['AccessLevel', session.accessLevel],
      ['Nodes', session.nodes.join(', ')],
      ['StartedAt', session.startedAt],
      ['EndedAt', session.endedAt],
      ['EndReason', session.endReason ?? (session.endedAt === null ? 'live' : null)],
      ['DurationSeconds', session.durationSeconds],
      ['Commands', session.commandCount],
      ['GrantId', session.grantId],
    ]),
  );
  if (transcript) {
    ctx.out.text(`\nTranscript (${transcript.entries.length} of ${transcript.total} entries):\n`);
    ctx.out.text(
      renderTable(transcript.entries, [
        { header: 'Seq', value: (e) => e.seq },
        { header: 'At', value: (e) => e.at },
        { header: 'Kind', value: (e) => e.kind },
        { header: 'Node', value: (e) => e.node },
        { header: 'Text', value: (e) => e.text },
      ]),
    );
  }
  return EXIT.ok;
}
