import { existsSync, writeFileSync } from 'node:fs';
import type { RecordRead, RecordReadList, SearchResult, TranscriptExport, Verification } from '../contract/admin-api';
import { readDate } from '../domain/dates';
import { isRemoteSupportError } from '../domain/errors';
import { transcriptText } from '../domain/transcript-export';
import { renderTable } from '../text/text-table';
import { cliError, EXIT, usageError, withFlagNames } from './cli-error';
import { CommandContext, CommandHandler } from './command-context';

function requiredSessionId(ctx: CommandContext): string {
  const id = ctx.flags.value('--session-id');
  if (id === undefined) throw usageError('--session-id is required: name the session (get-session-history lists them)', '--session-id ID', '--session-id');
  return id;
}

/**
 * `verify-session`: checks a session's chain, sealed head, record and
 * registration, and lists what is wrong with the cluster's other records
 * (sessions deleted, grants changed without the record key); exit 1 when
 * anything is.
 */
export const verifySession: CommandHandler = async (ctx) => {
  const id = requiredSessionId(ctx);
  const result = await ctx.gateway().get<Verification>(`sessions/${encodeURIComponent(id)}/verify`);
  ctx.out.result(result);
  const v = result.verification;
  const protection = v.chain === 'keyed' ? 'keyed hash chain' : 'hash chain (legacy, unkeyed: written before the record key; its head was sealed at the upgrade)';
  if (v.valid) {
    ctx.out.text(`Transcript of ${id} verified: ${v.entries} entries in an unbroken ${protection}, matching its sealed head.`);
  } else {
    ctx.out.text(`Transcript of ${id} is BROKEN${v.firstBadSeq === null ? '' : ` at entry ${v.firstBadSeq}`}: ${v.problem}`);
    for (const p of v.problems.slice(1)) ctx.out.text(`  also: ${p}`);
  }
  if (v.clusterProblems.length) {
    ctx.out.text(`The cluster's other records were changed without the record key:`);
    for (const p of v.clusterProblems) ctx.out.text(`  - ${p}`);
  }
  return v.valid && v.clusterProblems.length === 0 ? EXIT.ok : EXIT.failed;
};

/** `export-session`: the whole transcript as text or JSON, to stdout or a file. */
export const exportSession: CommandHandler = async (ctx) => {
  const id = requiredSessionId(ctx);
  const format = ctx.flags.value('--format') ?? 'text';
  if (format !== 'text' && format !== 'json') throw usageError(`--format must be text or json (got ${JSON.stringify(format)})`, 'text|json', '--format');
  const output = ctx.flags.value('--output');
  if (output !== undefined && existsSync(output)) {
    throw cliError('InvalidCliUsage', `${output} already exists; choose another --output file (exports never overwrite)`, { field: '--output' });
  }
  const doc = await ctx.gateway().get<TranscriptExport>(`sessions/${encodeURIComponent(id)}/export`, { format: 'json' });
  const body = format === 'json' ? JSON.stringify(doc, null, 2) + '\n' : transcriptText(doc);
  if (output !== undefined) {
    writeFileSync(output, body, { flag: 'wx', mode: 0o600 });
    ctx.out.note(`Wrote the ${format} transcript of ${id} (${doc.entries.length} entries) to ${output}.`);
  } else {
    ctx.out.raw(body);
  }
  return doc.verification.valid ? EXIT.ok : EXIT.failed;
};

/**
 * `search-transcript` (Search-AzStackHCIRemoteSupportTranscript): every hit
 * of a full-text search, newest first, following nextCursor page by page (500
 * a request), or the --limit newest. Each page has the gateway's time budget;
 * a page past it fails the whole run with SearchTooBroad.
 */
export const searchTranscript: CommandHandler = async (ctx) => {
  const q = ctx.flags.value('--query');
  if (q === undefined) throw usageError('--query is required: the words to find', '--query TEXT', '--query');
  const fromDate = ctx.flags.value('--from-date');
  let from: string | undefined;
  try {
    // Sent as an ISO instant so the gateway reads exactly the moment checked here.
    from = fromDate === undefined ? undefined : new Date(readDate(fromDate, 'fromDate')).toISOString();
  } catch (e) {
    if (isRemoteSupportError(e)) throw withFlagNames(e.toBody(), { fromDate: '--from-date' });
    throw e;
  }
  const limitText = ctx.flags.value('--limit');
  if (limitText !== undefined && !/^[1-9][0-9]{0,8}$/.test(limitText)) {
    throw usageError(`--limit must be a whole number of hits from 1 (got ${JSON.stringify(limitText.slice(0, 40))})`, 'an integer from 1', '--limit');
  }
  const max = limitText === undefined ? Infinity : Number(limitText);
  const { first, items } = await ctx.gateway().allPages<SearchResult, SearchResult['hits'][number]>('transcripts/search', { q, fromDate: from }, (page) => page.hits, max);
  const result = { query: first.query, hits: items };
  ctx.out.result(result);
  if (result.hits.length === 0) {
    ctx.out.text(`No transcript entry matches ${JSON.stringify(result.query)}${from === undefined ? '' : ` since ${from}`}.`);
    return EXIT.ok;
  }
  ctx.out.text(
    renderTable(result.hits, [
      { header: 'At', value: (h) => h.at },
      { header: 'SessionId', value: (h) => h.sessionId },
      { header: 'Engineer', value: (h) => h.engineer },
      { header: 'Node', value: (h) => h.node },
      { header: 'Kind', value: (h) => h.kind },
      { header: 'Snippet', value: (h) => h.snippet },
    ]),
  );
  return EXIT.ok;
};

/**
 * `get-record-reads` (Get-AzStackHCIRemoteSupportRecordRead): who viewed,
 * exported or verified a transcript, or searched them, newest first; every
 * page, or only the reads of `--session-id`.
 */
export const getRecordReads: CommandHandler = async (ctx) => {
  const sessionId = ctx.flags.value('--session-id');
  const { items } = await ctx.gateway().allPages<RecordReadList, RecordRead>('audit/reads', sessionId === undefined ? {} : { sessionId }, (page) => page.reads);
  ctx.out.result({ reads: items });
  ctx.out.text(
    items.length === 0
      ? `Nobody has read ${sessionId === undefined ? 'the record' : `the transcript of ${sessionId}`} in the last 90 days.`
      : renderTable(items, [
          { header: 'At', value: (r) => r.at },
          { header: 'Action', value: (r) => r.action },
          { header: 'By', value: (r) => r.by },
          { header: 'SessionId', value: (r) => r.sessionId ?? '' },
          { header: 'Detail', value: (r) => (r.intact ? (r.detail ?? '') : `CHANGED WITHOUT THE RECORD KEY ${r.detail ?? ''}`.trim()) },
        ]),
  );
  return EXIT.ok;
};
