import { TranscriptEntry } from '../core/api-models';

/** A piece of an entry's text, marked when it matches the find text. */
export interface TextPart {
  text: string;
  match: boolean;
}

/** Splits text around every case-insensitive occurrence of `needle`. */
export function highlight(text: string, needle: string): TextPart[] {
  if (!needle) return [{ text, match: false }];
  const parts: TextPart[] = [];
  const hay = text.toLowerCase();
  const n = needle.toLowerCase();
  let from = 0;
  for (let i = hay.indexOf(n); i >= 0; i = hay.indexOf(n, i + n.length)) {
    if (i > from) parts.push({ text: text.slice(from, i), match: false });
    parts.push({ text: text.slice(i, i + n.length), match: true });
    from = i + n.length;
  }
  if (from < text.length) parts.push({ text: text.slice(from), match: false });
  return parts.length ? parts : [{ text, match: false }];
}

/** The sequence numbers of the entries whose text (as shown) or node contains `needle` (any case), in order. */
export function findMatches(entries: ReadonlyArray<Pick<TranscriptEntry, 'seq' | 'text' | 'node'>>, needle: string): number[] {
  const n = needle.trim().toLowerCase();
  if (!n) return [];
  return entries.filter((e) => e.text.toLowerCase().includes(n) || (e.node ?? '').toLowerCase().includes(n)).map((e) => e.seq);
}
