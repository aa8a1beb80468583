import { EXIT } from './cli-error';
import { FlagTable, GLOBAL_FLAGS, VerbName, VERBS, findVerb } from './verbs';

function flagLines(flags: FlagTable): string[] {
  const entries = Object.entries(flags).map(([name, spec]) => [`${name}${spec.value ? ` ${spec.value}` : ''}${spec.repeatable ? ' ...' : ''}`, spec.description] as const);
  const width = Math.max(0, ...entries.map(([usage]) => usage.length));
  return entries.map(([usage, description]) => `  ${usage.padEnd(width)}  ${description}`);
}

const EXIT_LINES = [
  'Exit codes:',
  `  ${EXIT.ok}  done`,
  `  ${EXIT.failed}  refused or failed: bad value, API error, gateway unreachable, agent operation failed`,
  `  ${EXIT.usage}  usage error: unknown verb or flag, missing value (code InvalidCliUsage)`,
];

/** The help text: every verb, or one verb's flags and examples. Read from the verb table. */
export function helpText(verb: VerbName | null): string {
  if (verb !== null) {
    const spec = findVerb(verb)!;
    return [
      `remote-support ${spec.name}${spec.cmdlet ? `  (${spec.cmdlet})` : ''}`,
      '',
      `  ${spec.summary}`,
      '',
      ...(Object.keys(spec.flags).length ? ['Flags:', ...flagLines(spec.flags), ''] : []),
      'Global flags:',
      ...flagLines(GLOBAL_FLAGS),
      '',
      'Examples:',
      ...spec.examples.map((e) => `  ${e}`),
      '',
      ...EXIT_LINES,
      '',
    ].join('\n');
  }
  const width = Math.max(...VERBS.map((v) => v.name.length));
  return [
    'Usage: remote-support VERB [flags]',
    '',
    'Grant, follow and revoke time-boxed remote support access through the gateway.',
    '',
    'Verbs:',
    ...VERBS.map((v) => `  ${v.name.padEnd(width)}  ${v.summary}${v.cmdlet ? ` (${v.cmdlet})` : ''}`),
    '',
    'Global flags (anywhere on the line):',
    ...flagLines(GLOBAL_FLAGS),
    '',
    ...EXIT_LINES,
    '',
    'remote-support help VERB (or VERB --help) shows a verb\'s flags and examples.',
    '',
  ].join('\n');
}
