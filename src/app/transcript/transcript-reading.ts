import { ACCESS_LEVELS, SESSION_END_REASONS } from '../../generated/api-contract';
import { AccessLevel, TranscriptEntry, TranscriptKind } from '../core/api-models';
import { formatDateTime } from '../core/format';
import { ExtensionStrings, format } from '../core/strings';

/**
 * A transcript entry as a person reads it. The gateway records a command as
 * the line the engineer typed followed by `-> {"cmdlet":…}` (what its check
 * accepted), and a refusal as the line followed by `-> denied (code): why`.
 * The admin sees the prompt (nodes and level), the line as typed, the output,
 * and a refusal's reason in words: never the JSON, a reason code or an
 * internal level name.
 */
export interface EntryReading {
  seq: number;
  kind: TranscriptKind;
  /** When it was recorded (ISO, UTC). */
  at: string;
  /** The node or nodes it concerns, comma-separated as recorded; null for the session as a whole. */
  node: string | null;
  /** `hci-n01, hci-n02 · Diagnostics>` before a command or a refused line. */
  prompt: string | null;
  /** The command line as the engineer typed it (commands and refused lines). */
  command: string | null;
  /** Why a line was refused, in words (refused lines only). */
  denial: string | null;
  /** The gateway's own explanation of a refusal, with levels and times made readable. */
  denialDetail: string | null;
  /** The entry's text for output, errors and system events (levels, end reasons and times made readable). */
  text: string | null;
  /** Everything the admin sees in this entry, for find-in-transcript. */
  searchable: string;
}

/** The gateway's marker between a line and what it made of it. */
const RESULT_MARK = '\n-> ';
const DENIED = /^denied \(([^)]*)\): ?([\s\S]*)$/;
const OPENED_LEVEL = /^Session opened by .* at level (\w+) on /;
const LEVEL_CHANGE = /access level (\w+) -> (\w+)/;
const ISO_TIME = /\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z\b/g;
const ISO = '(\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(?:\\.\\d+)?Z)';

/*
 * The gateway's entries about a repair waiting for the admin's approval, and
 * about the deny list (gateway-plugin/src/channel/live-session.ts writes them;
 * docs/repair-approval.md lists them). Each is read as words, without the
 * approval's id, the JSON of the command or the actor's stable id.
 */
/** system: `Repair approval <id> asked of the cluster administrator: <line>\n-> <json> on <node> by <engineer>; reason: <why>; answer due by <time>` */
const REPAIR_ASKED = new RegExp(`^Repair approval \\S+ asked of the cluster administrator: ([^\\n]*)\\n-> [\\s\\S]* on (\\S+) by ([\\s\\S]*?); reason: ([\\s\\S]*); answer due by ${ISO}$`);
/** system: `Repair approval <id> approved by <admin> at <time>[: <why>]` */
const REPAIR_APPROVED = new RegExp(`^Repair approval \\S+ approved by ([\\s\\S]*?) at ${ISO}(?:: ([\\s\\S]*))?$`);
/** system: `Repair approval <id> cancelled at <time>: <why>` */
const REPAIR_CANCELLED = new RegExp(`^Repair approval \\S+ cancelled at ${ISO}: ([\\s\\S]*)$`);
/** denied (repair-refused): `repair approval <id> refused by <admin> at <time>[: <why>]` */
const REPAIR_REFUSED = new RegExp(`^repair approval \\S+ refused by ([\\s\\S]*?) at ${ISO}(?:: ([\\s\\S]*))?$`);
/** denied (repair-approval-timed-out): `repair approval <id> had no answer by <time>` */
const REPAIR_TIMED_OUT = new RegExp(`^repair approval \\S+ had no answer by ${ISO}$`);
/** denied (deny-list): `The customer's deny list refuses <cmdlet> on <node>: <the rule's reason>` */
const DENY_RULE = /^The customer's deny list refuses (\S+) on (\S+): ([\s\S]*)$/;
/** The stable id the gateway writes after a name (`admin@contoso.com (entra:tid/oid)`): the admin reads the name. */
const ACTOR_ID = / \((?:entra|machine|local):[^()]*\)$/;

/** The level a transcript starts at: from its "Session opened … at level X" entry, else the session's. */
function startLevel(entries: readonly TranscriptEntry[], fallback: AccessLevel): AccessLevel {
  for (const e of entries) {
    if (e.kind !== 'system') continue;
    const change = LEVEL_CHANGE.exec(e.text);
    if (change && isLevel(change[1])) return change[1];
    const opened = OPENED_LEVEL.exec(e.text);
    if (opened && isLevel(opened[1])) return opened[1];
  }
  return fallback;
}

function isLevel(value: string | undefined): value is AccessLevel {
  return (ACCESS_LEVELS as readonly string[]).includes(value ?? '');
}

/**
 * Gateway text made readable: internal level names become the admin's words
 * ("Diagnostics and repair"), an end reason code its words, and UTC times
 * local ones with the zone named.
 */
export function readableText(text: string, strings: ExtensionStrings): string {
  let out = text.replace(ISO_TIME, (iso) => formatDateTime(iso));
  out = out.replace(/^Session ended: ([a-z-]+)/, (whole, reason: string) =>
    (SESSION_END_REASONS as readonly string[]).includes(reason) ? `${strings.Transcript.sessionEnded} ${strings.History.EndReason[reason as keyof ExtensionStrings['History']['EndReason']]}` : whole,
  );
  // Longest name first, so DiagnosticsRepair is not read as Diagnostics followed by "Repair".
  for (const level of [...ACCESS_LEVELS].sort((a, b) => b.length - a.length)) {
    out = out.replace(new RegExp(`\\b${level}\\b`, 'g'), strings.Level[level]);
  }
  return out;
}

/** Who did it, by name (the stable id the gateway adds is for the record, not for reading). */
function actorName(described: string): string {
  return described.replace(ACTOR_ID, '');
}

/** Why a waiting repair stopped waiting, in words (`the session ended (revoked)` names the end reason). */
function cancelledWhy(why: string, strings: ExtensionStrings): string {
  const ended = /^the session ended \(([a-z-]+)\)$/.exec(why);
  if (ended && (SESSION_END_REASONS as readonly string[]).includes(ended[1]!)) {
    return format(strings.Transcript.Repair.sessionEnded, strings.History.EndReason[ended[1] as keyof ExtensionStrings['History']['EndReason']]);
  }
  return readableText(why, strings);
}

/** A system entry about a waiting repair, in words; null for any other system entry. */
function repairSystemText(text: string, strings: ExtensionStrings): { command: string | null; node: string | null; text: string } | null {
  const r = strings.Transcript.Repair;
  const asked = REPAIR_ASKED.exec(text);
  if (asked) {
    const why = asked[4] === '(none given)' ? r.noReason : asked[4]!;
    return { command: asked[1]!, node: asked[2]!, text: format(r.asked, actorName(asked[3]!), why, formatDateTime(asked[5]!)) };
  }
  const approved = REPAIR_APPROVED.exec(text);
  if (approved) {
    const [, by, at, why] = approved;
    return { command: null, node: null, text: why ? format(r.approvedReason, actorName(by!), formatDateTime(at!), why) : format(r.approved, actorName(by!), formatDateTime(at!)) };
  }
  const cancelled = REPAIR_CANCELLED.exec(text);
  if (cancelled) return { command: null, node: null, text: format(r.cancelled, formatDateTime(cancelled[1]!), cancelledWhy(cancelled[2]!, strings)) };
  return null;
}

/** The gateway's explanation of a refusal, in words: who refused a repair and when, a deny-list rule's reason, or the text made readable. */
function denialDetailText(reason: string, detail: string, strings: ExtensionStrings): string {
  const r = strings.Transcript.Repair;
  const refused = reason === 'repair-refused' ? REPAIR_REFUSED.exec(detail) : null;
  if (refused) {
    const [, by, at, why] = refused;
    return why ? format(r.refusedReason, actorName(by!), formatDateTime(at!), why) : format(r.refused, actorName(by!), formatDateTime(at!));
  }
  const timedOut = reason === 'repair-approval-timed-out' ? REPAIR_TIMED_OUT.exec(detail) : null;
  if (timedOut) return format(r.timedOut, formatDateTime(timedOut[1]!));
  const rule = reason === 'deny-list' ? DENY_RULE.exec(detail) : null;
  if (rule) return format(strings.Transcript.DenyRule.onNode, rule[1]!, rule[2]!, rule[3]!);
  return readableText(detail, strings);
}

/** A refusal's reason code in words; the level is the one the line was checked at. */
export function denialInWords(reason: string, level: AccessLevel, strings: ExtensionStrings): string {
  const words = (strings.Transcript.Denial as Record<string, string | undefined>)[reason];
  return words ? format(words, strings.Level[level]) : strings.Transcript.deniedOther;
}

/** Reads every entry of a transcript in order, following the level through grant changes. */
export function readTranscript(entries: readonly TranscriptEntry[], sessionLevel: AccessLevel, sessionNodes: readonly string[], strings: ExtensionStrings): EntryReading[] {
  let level = startLevel(entries, sessionLevel);
  const prompt = (nodes: string) => format(strings.Transcript.prompt, nodes, strings.Level[level]);
  return entries.map((e) => {
    const base = { seq: e.seq, kind: e.kind, at: e.at, node: e.node, prompt: null, command: null, denial: null, denialDetail: null, text: null };
    if (e.kind === 'command' || e.kind === 'denied') {
      const mark = e.text.indexOf(RESULT_MARK);
      const command = mark >= 0 ? e.text.slice(0, mark) : e.text;
      const result = mark >= 0 ? e.text.slice(mark + RESULT_MARK.length) : '';
      const where = e.node ? e.node.split(',').join(', ') : sessionNodes.join(', ');
      const reading: EntryReading = { ...base, prompt: prompt(where), command, searchable: '' };
      if (e.kind === 'denied') {
        const denied = DENIED.exec(result);
        reading.denial = denied ? denialInWords(denied[1]!, level, strings) : strings.Transcript.deniedOther;
        reading.denialDetail = denied && denied[2] ? denialDetailText(denied[1]!, denied[2], strings) : null;
      }
      reading.searchable = [reading.prompt, reading.command, reading.denial, reading.denialDetail].filter(Boolean).join('\n');
      return reading;
    }
    if (e.kind === 'system') {
      const repair = repairSystemText(e.text, strings);
      if (repair) {
        // A question shows the line it asks about as a refused line would: the prompt, then the line as typed.
        const reading: EntryReading = { ...base, prompt: repair.command === null ? null : prompt(repair.node ?? e.node ?? sessionNodes.join(', ')), command: repair.command, text: repair.text, searchable: '' };
        reading.searchable = [reading.prompt, reading.command, reading.text].filter(Boolean).join('\n');
        return reading;
      }
      const change = LEVEL_CHANGE.exec(e.text);
      if (change && isLevel(change[2])) level = change[2];
    }
    const text = e.kind === 'output' ? e.text : readableText(e.text, strings);
    return { ...base, text, searchable: text };
  });
}
