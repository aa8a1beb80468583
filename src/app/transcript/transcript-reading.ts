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
        reading.denialDetail = denied && denied[2] ? readableText(denied[2], strings) : null;
      }
      reading.searchable = [reading.prompt, reading.command, reading.denial, reading.denialDetail].filter(Boolean).join('\n');
      return reading;
    }
    if (e.kind === 'system') {
      const change = LEVEL_CHANGE.exec(e.text);
      if (change && isLevel(change[2])) level = change[2];
    }
    const text = e.kind === 'output' ? e.text : readableText(e.text, strings);
    return { ...base, text, searchable: text };
  });
}
