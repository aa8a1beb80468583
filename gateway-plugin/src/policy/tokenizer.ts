/**
 * The lexer of the command check: a small, strict reader for the one shape
 * of command line the gateway accepts (a cmdlet name, parameters and literal
 * values). It is a whitelist: it knows bare words, single- and double-quoted
 * strings, `-Parameter` names and commas, and turns every other character
 * into a denial that names it. It never interprets anything PowerShell would
 * evaluate; it refuses it.
 *
 * It works in two passes. The first looks at single characters only: line
 * breaks, control characters and anything outside ASCII are refused before
 * the line is read as a command, wherever they are (even inside quotes),
 * because PowerShell gives several of them a meaning (en dash as a dash,
 * curly quotes as quotes, NBSP as a space) that a reader of the transcript
 * would not see. The second pass reads tokens from left to right and stops
 * at the first thing it does not understand.
 */
import { MAX_COMMAND_LINE } from '../domain/identifiers';

/** Denials found while reading the characters and tokens of a line, before its meaning is checked. */
export const LEXICAL_DENIAL_REASONS = [
  'empty',
  'too-long',
  'newline',
  'control-character',
  'unicode-dash',
  'unicode-quote',
  'unicode-space',
  'invisible-character',
  'non-ascii',
  'pipeline',
  'statement-separator',
  'operator',
  'script-block',
  'hashtable',
  'subexpression',
  'variable',
  'splatting',
  'here-string',
  'redirection',
  'comment',
  'backtick',
  'parenthesis',
  'type-literal',
  'member-access',
  'bad-quoting',
  'unexpected-character',
  'colon-parameter',
  'malformed-parameter',
] as const;
/** A reason the lexer refuses a line. */
export type LexicalDenialReason = (typeof LEXICAL_DENIAL_REASONS)[number];


/** A literal value: a bare word or the contents of a quoted string, quotes removed. */
export interface ValueToken {
  kind: 'value';
  /** The value after unquoting (`''` inside single quotes became `'`). */
  value: string;
  /** How it was written: bare, or in single or double quotes. */
  quote: 'none' | 'single' | 'double';
  /** The text as typed, for messages. */
  raw: string;
  /** 1-based column of its first character. */
  column: number;
}

/** A `-Name` parameter token; the name is without the dash, as typed. */
export interface ParameterToken {
  kind: 'parameter';
  name: string;
  raw: string;
  column: number;
}

/** A comma between the elements of a list value. */
export interface CommaToken {
  kind: 'comma';
  raw: ',';
  column: number;
}

/** One token of a line, in the order typed. */
export type Token = ValueToken | ParameterToken | CommaToken;

/** The tokens of a line, or the reason it cannot be read and a message naming the offending character. */
export type TokenizeResult =
  | { ok: true; tokens: Token[] }
  | { ok: false; reason: LexicalDenialReason; message: string };

// Characters a bare word may hold. Enough for cmdlet names, object names,
// drive-letter paths (C:\...) and wildcards; everything else must be quoted
// or is refused. `[` and `]` are not here on purpose (type literals).
const WORD_CHAR = /^[A-Za-z0-9._*?:\\-]$/;
const PARAMETER_NAME = /^[A-Za-z][A-Za-z0-9]*$/;
const COLON_PARAMETER = /^[A-Za-z][A-Za-z0-9]*:/;

const SPACE_SEPARATOR = /^\p{Zs}$/u;
const FORMAT_CHARACTER = /^\p{Cf}$/u;

/** Dashes PowerShell itself reads as `-` (its tokenizer's IsDash). */
const POWERSHELL_DASHES = new Set([0x2013, 0x2014, 0x2015]);
/** Characters that look like a dash but PowerShell reads as part of a word. */
const OTHER_DASHES = new Set([0x2010, 0x2011, 0x2012, 0x2212, 0x2e3a, 0x2e3b, 0xfe58, 0xfe63, 0xff0d]);
/** Quotes PowerShell itself reads as `'` or `"`. */
const POWERSHELL_QUOTES = new Set([0x2018, 0x2019, 0x201a, 0x201b, 0x201c, 0x201d, 0x201e]);
/** Characters that look like quotes but PowerShell reads as part of a word. */
const OTHER_QUOTES = new Set([0x00ab, 0x00b4, 0x00bb, 0x02b9, 0x02ba, 0x02bb, 0x02bc, 0x02bd, 0x201f, 0x2032, 0x2033, 0x2035, 0x2036, 0x2039, 0x203a, 0xff02, 0xff07]);
/** Blank-looking characters that are letters or marks, not spaces or format characters. */
const OTHER_INVISIBLES = new Set([0x034f, 0x115f, 0x1160, 0x3164, 0xffa0]);
/** Unicode line breaks outside ASCII. */
const UNICODE_LINE_BREAKS = new Set([0x0085, 0x2028, 0x2029]);

const CHARACTER_NAMES: Readonly<Record<number, string>> = {
  0x00a0: 'NO-BREAK SPACE', 0x00ad: 'SOFT HYPHEN', 0x1680: 'OGHAM SPACE MARK', 0x180e: 'MONGOLIAN VOWEL SEPARATOR',
  0x2000: 'EN QUAD', 0x2001: 'EM QUAD', 0x2002: 'EN SPACE', 0x2003: 'EM SPACE', 0x2004: 'THREE-PER-EM SPACE',
  0x2005: 'FOUR-PER-EM SPACE', 0x2006: 'SIX-PER-EM SPACE', 0x2007: 'FIGURE SPACE', 0x2008: 'PUNCTUATION SPACE',
  0x2009: 'THIN SPACE', 0x200a: 'HAIR SPACE', 0x200b: 'ZERO WIDTH SPACE', 0x200c: 'ZERO WIDTH NON-JOINER',
  0x200d: 'ZERO WIDTH JOINER', 0x200e: 'LEFT-TO-RIGHT MARK', 0x200f: 'RIGHT-TO-LEFT MARK',
  0x2010: 'HYPHEN', 0x2011: 'NON-BREAKING HYPHEN', 0x2012: 'FIGURE DASH', 0x2013: 'EN DASH', 0x2014: 'EM DASH',
  0x2015: 'HORIZONTAL BAR', 0x2018: 'LEFT SINGLE QUOTATION MARK', 0x2019: 'RIGHT SINGLE QUOTATION MARK',
  0x201a: 'SINGLE LOW-9 QUOTATION MARK', 0x201b: 'SINGLE HIGH-REVERSED-9 QUOTATION MARK',
  0x201c: 'LEFT DOUBLE QUOTATION MARK', 0x201d: 'RIGHT DOUBLE QUOTATION MARK', 0x201e: 'DOUBLE LOW-9 QUOTATION MARK',
  0x201f: 'DOUBLE HIGH-REVERSED-9 QUOTATION MARK', 0x2028: 'LINE SEPARATOR', 0x2029: 'PARAGRAPH SEPARATOR',
  0x202a: 'LEFT-TO-RIGHT EMBEDDING', 0x202b: 'RIGHT-TO-LEFT EMBEDDING', 0x202c: 'POP DIRECTIONAL FORMATTING',
  0x202d: 'LEFT-TO-RIGHT OVERRIDE', 0x202e: 'RIGHT-TO-LEFT OVERRIDE', 0x202f: 'NARROW NO-BREAK SPACE',
  0x2032: 'PRIME', 0x2033: 'DOUBLE PRIME', 0x205f: 'MEDIUM MATHEMATICAL SPACE', 0x2060: 'WORD JOINER',
  0x2212: 'MINUS SIGN', 0x3000: 'IDEOGRAPHIC SPACE', 0xfeff: 'ZERO WIDTH NO-BREAK SPACE',
  0xff02: 'FULLWIDTH QUOTATION MARK', 0xff07: 'FULLWIDTH APOSTROPHE', 0xff0d: 'FULLWIDTH HYPHEN-MINUS',
};

// Letters from other scripts that are drawn like ASCII letters. Only for the
// hint in a message: every character outside ASCII is refused either way.
const LOOKALIKES: Readonly<Record<number, string>> = {
  0x0430: 'a', 0x0435: 'e', 0x043e: 'o', 0x0440: 'p', 0x0441: 'c', 0x0445: 'x', 0x0443: 'y', 0x0456: 'i',
  0x0455: 's', 0x0458: 'j', 0x0501: 'd', 0x043c: 'm', 0x0410: 'A', 0x0412: 'B', 0x0415: 'E', 0x041a: 'K',
  0x041c: 'M', 0x041d: 'H', 0x041e: 'O', 0x0420: 'P', 0x0421: 'C', 0x0422: 'T', 0x0425: 'X', 0x0406: 'I',
  0x0391: 'A', 0x0392: 'B', 0x0395: 'E', 0x0396: 'Z', 0x0397: 'H', 0x0399: 'I', 0x039a: 'K', 0x039c: 'M',
  0x039d: 'N', 0x039f: 'O', 0x03a1: 'P', 0x03a4: 'T', 0x03a5: 'Y', 0x03a7: 'X', 0x03bf: 'o', 0x03bd: 'v',
  0x0261: 'g', 0x0131: 'i', 0x0130: 'I',
};

/** `U+2013 EN DASH`, `U+0435 (looks like "e")`, or the character itself when it is printable ASCII. */
export function describeCharacter(codePoint: number): string {
  if (codePoint >= 0x21 && codePoint <= 0x7e) return `"${String.fromCodePoint(codePoint)}"`;
  if (codePoint === 0x20) return 'a space';
  const hex = `U+${codePoint.toString(16).toUpperCase().padStart(4, '0')}`;
  const name = CHARACTER_NAMES[codePoint];
  if (name !== undefined) return `${hex} ${name}`;
  const lookalike = LOOKALIKES[codePoint] ?? asciiCompatibilityForm(codePoint);
  return lookalike === undefined ? hex : `${hex} (looks like "${lookalike}")`;
}

/** Fullwidth and other compatibility forms that Unicode itself maps to ASCII (Ｇ → G, K → K). */
function asciiCompatibilityForm(codePoint: number): string | undefined {
  const folded = String.fromCodePoint(codePoint).normalize('NFKC');
  return /^[\x21-\x7e]+$/.test(folded) ? folded : undefined;
}

type Denial = { ok: false; reason: LexicalDenialReason; message: string };

function deny(reason: LexicalDenialReason, message: string): Denial {
  return { ok: false, reason, message };
}

/** Shows a piece of the line in a message: short, and never raw control characters. */
export function showText(text: string, max = 40): string {
  const shortened = text.length > max ? `${text.slice(0, max)}…` : text;
  // eslint-disable-next-line no-control-regex -- finding control characters is the point of this pattern
  return `"${shortened.replace(/[\x00-\x1f\x7f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`)}"`;
}

/**
 * First pass: refuses the line if any character is not printable ASCII, a
 * space or a tab. Returns undefined when every character is acceptable.
 */
function screenCharacters(line: string): Denial | undefined {
  for (let i = 0; i < line.length; ) {
    const cp = line.codePointAt(i) as number;
    const column = i + 1;
    i += cp > 0xffff ? 2 : 1;
    if ((cp >= 0x20 && cp <= 0x7e) || cp === 0x09) continue;
    const what = describeCharacter(cp);
    if (cp === 0x0a || cp === 0x0d || UNICODE_LINE_BREAKS.has(cp)) {
      return deny('newline', `The line breaks at column ${column} (${cp === 0x0a ? 'line feed' : cp === 0x0d ? 'carriage return' : what}); a line break starts a second command. Send one command per line.`);
    }
    if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f)) {
      return deny('control-character', `Column ${column} holds the control character ${what}; only printable characters, spaces and tabs are accepted.`);
    }
    if (POWERSHELL_DASHES.has(cp)) {
      return deny('unicode-dash', `Column ${column} holds ${what}, which PowerShell reads as a dash; type the ASCII hyphen-minus "-" instead.`);
    }
    if (OTHER_DASHES.has(cp)) {
      return deny('unicode-dash', `Column ${column} holds ${what}, which looks like a dash but is not one; type the ASCII hyphen-minus "-" instead.`);
    }
    if (POWERSHELL_QUOTES.has(cp)) {
      return deny('unicode-quote', `Column ${column} holds ${what}, which PowerShell reads as a quote; type an ASCII quote (' or ") instead.`);
    }
    if (OTHER_QUOTES.has(cp)) {
      return deny('unicode-quote', `Column ${column} holds ${what}, which looks like a quote but is not one; type an ASCII quote (' or ") instead.`);
    }
    const ch = String.fromCodePoint(cp);
    if (SPACE_SEPARATOR.test(ch)) {
      return deny('unicode-space', `Column ${column} holds ${what}; type an ordinary space instead.`);
    }
    if (FORMAT_CHARACTER.test(ch) || OTHER_INVISIBLES.has(cp) || (cp >= 0xfe00 && cp <= 0xfe0f) || (cp >= 0xe0100 && cp <= 0xe01ef)) {
      return deny('invisible-character', `Column ${column} holds the invisible character ${what}; retype the command without it.`);
    }
    return deny('non-ascii', `Column ${column} holds ${what}, which is not ASCII; cmdlet names, parameters and values are plain ASCII, so retype it.`);
  }
  return undefined;
}

/** Why a character that cannot start or continue a token is refused. */
function denyCharacter(line: string, i: number): Denial {
  const c = line[i];
  const next = line[i + 1];
  const column = i + 1;
  switch (c) {
    case '|':
      return next === '|'
        ? deny('operator', `"||" at column ${column} chains a second command; run one command at a time.`)
        : deny('pipeline', `"|" at column ${column} starts a pipeline; run one command at a time, without piping.`);
    case ';':
      return deny('statement-separator', `";" at column ${column} starts a second command; run one command at a time.`);
    case '&':
      return next === '&'
        ? deny('operator', `"&&" at column ${column} chains a second command; run one command at a time.`)
        : deny('operator', `"&" at column ${column} is PowerShell's call or background operator; type the cmdlet name and its parameters only.`);
    case '$':
      return next === '('
        ? deny('subexpression', `"$(" at column ${column} starts a subexpression, which would run code; values must be literal.`)
        : deny('variable', `"$" at column ${column} starts a variable; values must be literal, not variables.`);
    case '@':
      if (next === '(') return deny('subexpression', `"@(" at column ${column} starts an array subexpression, which would run code; use a comma list such as a,b.`);
      if (next === '{') return deny('hashtable', `"@{" at column ${column} starts a hashtable; values must be literal.`);
      if (next === "'" || next === '"') return deny('here-string', `"@${next}" at column ${column} starts a here-string; put the value in single quotes on one line.`);
      return deny('splatting', `"@" at column ${column} splats a variable's contents as parameters; name each parameter instead.`);
    case '{':
    case '}':
      return deny('script-block', `"${c}" at column ${column} belongs to a script block, which would run code; script blocks are not accepted.`);
    case '(':
    case ')':
      return deny('parenthesis', `"${c}" at column ${column} groups an expression, which PowerShell would evaluate; a value with parentheses must be in quotes.`);
    case '<':
      return next === '#'
        ? deny('comment', `"<#" at column ${column} starts a block comment; comments are not accepted.`)
        : deny('redirection', `"<" at column ${column} is a redirection; output and input cannot be redirected.`);
    case '>':
      return deny('redirection', `">" at column ${column} redirects output; output cannot be redirected.`);
    case '#':
      return deny('comment', `"#" at column ${column} starts a comment; comments are not accepted.`);
    case '`':
      return deny('backtick', `The backtick at column ${column} is PowerShell's escape character; escapes are not accepted.`);
    case '[':
    case ']':
      return deny('type-literal', `"${c}" at column ${column} starts a type literal or a wildcard range; square brackets are not accepted outside quotes.`);
    default:
      return deny('unexpected-character', `"${c}" at column ${column} is not part of an accepted command; put values that need it in single quotes, if the parameter accepts it.`);
  }
}

function isBlank(c: string | undefined): boolean {
  return c === ' ' || c === '\t';
}

/**
 * Reads a line into tokens, or says why it cannot be read. A value or
 * parameter must end at a space, a tab, a comma or the end of the line;
 * anything glued to it (`a'b'`, `'a'.Length`, `web(old)`) is refused.
 */
export function tokenize(line: string): TokenizeResult {
  // Length first, so that no later step ever walks an oversized input.
  if (typeof line === 'string' && line.length > MAX_COMMAND_LINE) return deny('too-long', `The command is ${line.length} characters long; the limit is ${MAX_COMMAND_LINE}.`);
  if (typeof line !== 'string' || /^[ \t]*$/.test(line)) return deny('empty', 'The command is empty; type a cmdlet name from the allowlist.');
  const screened = screenCharacters(line);
  if (screened) return screened;

  const tokens: Token[] = [];
  let i = 0;
  while (i < line.length) {
    const c = line[i];
    if (isBlank(c)) {
      i += 1;
      continue;
    }
    const start = i;
    if (c === ',') {
      tokens.push({ kind: 'comma', raw: ',', column: start + 1 });
      i += 1;
      continue;
    }
    if (c === "'" || c === '"') {
      const read = c === "'" ? readSingleQuoted(line, start) : readDoubleQuoted(line, start);
      if (!read.ok) return read;
      const after = line[read.end];
      if (after !== undefined && !isBlank(after) && after !== ',') {
        if (after === '.') return deny('member-access', `"." at column ${read.end + 1} reads a member of the quoted string; values must be plain literals.`);
        if (WORD_CHAR.test(after) || after === "'" || after === '"') {
          return deny('bad-quoting', `The quoted string at column ${start + 1} runs into more text at column ${read.end + 1}; put the whole value inside one pair of quotes.`);
        }
        return denyCharacter(line, read.end);
      }
      // PowerShell's parser takes a string whose value is exactly --% as the
      // stop-parsing token even in quotes ('--%' and "--%"): the rest of the
      // line becomes one verbatim argument, so parameters after it vanish.
      // Found by the parser agreement test.
      if (read.value === '--%') {
        return deny('operator', `${showText(line.slice(start, read.end))} at column ${start + 1} is PowerShell's stop-parsing token --%, even in quotes: the rest of the line would be passed as raw text; it is not accepted.`);
      }
      tokens.push({ kind: 'value', value: read.value, quote: c === "'" ? 'single' : 'double', raw: line.slice(start, read.end), column: start + 1 });
      i = read.end;
      continue;
    }
    // A dot alone at the start of the line is PowerShell's dot-source operator.
    if (c === '.' && tokens.length === 0 && (line[i + 1] === undefined || !WORD_CHAR.test(line[i + 1]))) {
      return deny('operator', `"." at column ${start + 1} is PowerShell's dot-source operator; type the cmdlet name and its parameters only.`);
    }
    if (!WORD_CHAR.test(c)) return denyCharacter(line, i);

    let end = i;
    while (end < line.length && WORD_CHAR.test(line[end])) end += 1;
    const raw = line.slice(start, end);
    const after = line[end];
    if (after === "'" || after === '"') {
      return deny('bad-quoting', `${showText(raw)} at column ${start + 1} runs into a quote at column ${end + 1}; put the whole value inside one pair of quotes.`);
    }
    const memberAccess = raw.indexOf('::');
    if (memberAccess >= 0) {
      return deny('member-access', `"::" at column ${start + memberAccess + 1} reads a static member of a type; values must be plain literals.`);
    }
    if (c === '-' && !/^-[0-9]/.test(raw)) {
      const name = raw.slice(1);
      if (COLON_PARAMETER.test(name)) {
        const bare = name.slice(0, name.indexOf(':'));
        return deny('colon-parameter', `${showText(raw)} at column ${start + 1} uses the -Parameter:value form, which is not accepted; write -${bare} followed by a space and the value.`);
      }
      if (!PARAMETER_NAME.test(name)) {
        return deny('malformed-parameter', `${showText(raw)} at column ${start + 1} is not a parameter name; a parameter is a dash followed by letters, such as -Name.`);
      }
      tokens.push({ kind: 'parameter', name, raw, column: start + 1 });
    } else {
      tokens.push({ kind: 'value', value: raw, quote: 'none', raw, column: start + 1 });
    }
    i = end;
  }
  return { ok: true, tokens };
}

type QuotedRead = { ok: true; value: string; end: number } | Denial;

/** A single-quoted string: everything is literal, and `''` stands for one quote. */
function readSingleQuoted(line: string, start: number): QuotedRead {
  let value = '';
  let i = start + 1;
  while (i < line.length) {
    const c = line[i];
    if (c === "'") {
      if (line[i + 1] === "'") {
        value += "'";
        i += 2;
        continue;
      }
      return { ok: true, value, end: i + 1 };
    }
    value += c;
    i += 1;
  }
  return deny('bad-quoting', `The single quote at column ${start + 1} is never closed; end the value with another single quote.`);
}

/**
 * A double-quoted string. PowerShell expands `$` and backtick escapes inside
 * double quotes; the gateway does not interpret them, it refuses them.
 */
function readDoubleQuoted(line: string, start: number): QuotedRead {
  let value = '';
  let i = start + 1;
  while (i < line.length) {
    const c = line[i];
    if (c === '"') {
      if (line[i + 1] === '"') {
        value += '"';
        i += 2;
        continue;
      }
      return { ok: true, value, end: i + 1 };
    }
    if (c === '$') {
      return line[i + 1] === '('
        ? deny('subexpression', `"$(" at column ${i + 1}, inside double quotes, starts a subexpression that PowerShell would run; use single quotes for literal text.`)
        : deny('variable', `"$" at column ${i + 1}, inside double quotes, starts a variable that PowerShell would expand; use single quotes for literal text.`);
    }
    if (c === '`') {
      return deny('backtick', `The backtick at column ${i + 1}, inside double quotes, is an escape that PowerShell would interpret; use single quotes for literal text.`);
    }
    value += c;
    i += 1;
  }
  return deny('bad-quoting', `The double quote at column ${start + 1} is never closed; end the value with another double quote.`);
}
