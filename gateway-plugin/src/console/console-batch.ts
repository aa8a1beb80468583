import type { NodeOutcome } from '../channel/protocol';
import type { CliOutput } from '../cli/output';
import { renderCell } from '../text/text-table';
import type { ChannelClient } from './channel-client';
import { CONSOLE_EXIT } from './console-exit';
import { checkLine } from './console-line';
import { approvalPendingLine, Ended, endedLine, inNodeOrder, Opened, renderReply, replyFailed, sessionBanner, shortCluster, statusLine } from './console-render';

/** One command of a --json run. */
export interface BatchResult {
  line: string;
  denied?: { reason: string; message: string };
  outputs: NodeOutcome[];
  error?: { code: string; message: string };
  /** Set when the command (a repair) waited for the cluster administrator's approval. */
  approval?: { id: string; node: string; expiresAt: string };
  /** The level the gateway checked the command at, and the time left after it; null when the session ended first. */
  accessLevel: string | null;
  secondsLeft: number | null;
}

/** The one JSON document of a --json run. */
export interface BatchDocument {
  session: { id: string; cluster: string; supportCase: string; accessLevel: string; expiresAt: string; nodes: string[] };
  results: BatchResult[];
  ended?: { reason: string; message: string };
}

/**
 * Non-interactive mode: runs each --command in order, even after one is
 * denied or fails, and stops early only when the gateway ends the session.
 * Exit code: 0 all ran and none failed, 3 the session ended, 4 a command was
 * denied or failed.
 */
export async function runBatch(client: ChannelClient, opened: Opened, supportCase: string, lines: readonly string[], out: CliOutput, reason?: string): Promise<number> {
  const doc: BatchDocument = {
    session: { id: opened.sessionId, cluster: opened.cluster, supportCase, accessLevel: opened.accessLevel, expiresAt: opened.expiresAt, nodes: opened.nodes },
    results: [],
  };
  out.text(sessionBanner(opened, supportCase));
  let failed = 0;
  let ended: Ended | null = null;
  client.onApprovalPending((pending) => out.note(approvalPendingLine(pending)));

  for (const line of lines) {
    out.text(`\n${shortCluster(opened.cluster)}> ${renderCell(line)}`);
    const tooLong = checkLine(line);
    if (tooLong) {
      // Refused here only because the channel cannot carry it; the gateway decides everything else.
      failed++;
      doc.results.push({ line, outputs: [], error: tooLong, accessLevel: null, secondsLeft: null });
      out.text(`Error ${tooLong.code}: ${tooLong.message}\n`);
      continue;
    }
    const reply = await client.run(line, undefined, reason);
    const result: BatchResult = { line, outputs: inNodeOrder(reply), accessLevel: reply.accessLevel, secondsLeft: reply.secondsLeft };
    if (reply.approvalPending) result.approval = { id: reply.approvalPending.approvalId, node: reply.approvalPending.node, expiresAt: reply.approvalPending.expiresAt };
    if (reply.denied) result.denied = { reason: reply.denied.reason, message: reply.denied.message };
    if (reply.error) result.error = reply.error;
    if (reply.ended) {
      // The session ended before the command was done: report what it got, if it reached the gateway at all.
      if (reply.accepted || reply.outputs.length) {
        doc.results.push(result);
        out.text(renderReply(reply));
      }
      ended = reply.ended;
      break;
    }
    doc.results.push(result);
    if (replyFailed(reply)) failed++;
    out.text(renderReply(reply) + (reply.accessLevel !== null && reply.secondsLeft !== null ? statusLine(reply.accessLevel, reply.secondsLeft) : ''));
  }
  // The gateway may end the session right after the last answer.
  ended ??= client.ended;

  if (ended) {
    doc.ended = { reason: ended.reason, message: ended.message };
    out.result(doc);
    out.note(endedLine(ended));
    const skipped = lines.length - doc.results.length;
    if (skipped > 0) out.warn(`${skipped} command(s) did not run.`);
    return CONSOLE_EXIT.sessionEnded;
  }
  await client.close();
  out.result(doc);
  if (failed) {
    out.warn(`${failed} of ${lines.length} command(s) were denied or failed.`);
    return CONSOLE_EXIT.commandFailed;
  }
  return CONSOLE_EXIT.ok;
}
