/**
 * A waiting repair's command as the engineer's command line: the cmdlet, then
 * each parameter as `-Name value` in the order the gateway checked them, a
 * switch as `-Name` alone, a list as `a,b`. It is what will run, written the
 * way the engineer's console and the transcript write command lines, so the
 * admin reads the same text everywhere.
 *
 * A value stays bare only where the gateway's tokenizer reads it back as the
 * same text (gateway-plugin/src/policy/tokenizer.ts: letters, digits and
 * `. _ * ? : \ -`, not starting with a dash, not a number PowerShell would
 * read differently). Anything else is put in single quotes, with `'` doubled
 * as PowerShell writes it.
 */

/** A parameter's value as the gateway checked it: text, a list of texts, or `true` for a switch. */
export type RepairParameterValue = string | readonly string[] | true;

// The characters of a bare word (the tokenizer's WORD_CHAR).
const BARE_WORD = /^[A-Za-z0-9._*?:\\-]+$/;
// What PowerShell reads as a number (the command checker's POWERSHELL_NUMBER) ...
const POWERSHELL_NUMBER = /^-?(?:0x[0-9a-f]*|0b[01]*|(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:e[+-]?[0-9]+)?)(?:ul|lu|us|uy|[lusynd])?(?:kb|mb|gb|tb|pb)?$/i;
// ... except whole numbers whose text PowerShell keeps as typed.
const CANONICAL_WHOLE_NUMBER = /^(0|[1-9][0-9]{0,17})$/;

/** One value as the command line writes it: bare when that reads back the same, else in single quotes. */
export function commandValue(value: string): string {
  const bare = BARE_WORD.test(value) && !value.startsWith('-') && (!POWERSHELL_NUMBER.test(value) || CANONICAL_WHOLE_NUMBER.test(value));
  return bare ? value : `'${value.replace(/'/g, "''")}'`;
}

/** `Restart-Service -Name ClusSvc`, `Repair-VirtualDisk -FriendlyName 'Volume 01'`, `Get-Service -Name vmms,vmcompute`. */
export function repairCommandLine(cmdlet: string, parameters: Readonly<Record<string, unknown>> | null | undefined): string {
  const parts = [cmdlet];
  for (const [name, value] of Object.entries(parameters ?? {})) {
    if (value === true) parts.push(`-${name}`);
    else if (Array.isArray(value)) parts.push(`-${name} ${value.map((v) => commandValue(String(v))).join(',')}`);
    else if (value !== undefined && value !== null && value !== false) parts.push(`-${name} ${commandValue(String(value))}`);
  }
  return parts.join(' ');
}
