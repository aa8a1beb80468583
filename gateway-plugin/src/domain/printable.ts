/**
 * Text that came from outside (an engineer's refused line, a node's output)
 * shown to a person: control characters, line and paragraph separators and
 * the invisible format characters (bidi overrides, zero-width) become
 * visible \u{…} escapes, so recorded text can never move a terminal's
 * cursor, hide what follows, forge a line or reorder what an auditor reads.
 */
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb]/gu;
// eslint-disable-next-line no-control-regex
const UNSAFE_ONE_LINE = /[\u0000-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb]/gu;

const escape = (c: string) => `\\u{${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}}`;

/** Keeps line feeds and tabs (multi-line output); escapes every other unsafe character. */
export function printable(text: string): string {
  return text.replace(UNSAFE, escape);
}

/** For text that must stay on one line (a command line): line feeds and tabs are escaped too. */
export function printableLine(text: string): string {
  return text.replace(UNSAFE_ONE_LINE, escape);
}
