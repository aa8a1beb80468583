import { flagProblemError } from '../cli/args';
import { usageError } from '../cli/cli-error';
import { FlagTable, FlagValues, readFlags } from '../cli-kit/flag-reader';
import { matches, NODE_NAME, SUPPORT_CASE_NUMBER } from '../domain/identifiers';
import { MAX_APPROVAL_REASON } from '../domain/repair-approval';
import { CONSOLE_EXIT_LINES } from './console-exit';
import { ConsoleRequest, readRequestFlags } from './console-request';

/** How the console signs in with msal-node. */
export const AUTH_KINDS = ['client-credentials', 'device-code'] as const;
export type AuthKind = (typeof AUTH_KINDS)[number];

/** Environment variables the console reads. */
export const CONSOLE_ENV = {
  token: 'SUPPORT_CONSOLE_TOKEN',
  clientSecret: 'SUPPORT_CONSOLE_CLIENT_SECRET',
  relaySas: 'SUPPORT_CONSOLE_RELAY_SAS',
  dataDir: 'REMOTE_SUPPORT_DATA_DIR',
} as const;

/** The flags that choose the relay and its credential. */
export const RELAY_FLAGS = ['--relay', '--relay-sas', '--relay-key-name', '--relay-key-file'] as const;

/** The flags that configure msal-node; --token replaces all of them. */
export const SIGN_IN_FLAGS = ['--auth', '--authority', '--client-id', '--client-secret', '--scope'] as const;

/**
 * The console's flags as data: the parser and --help read from here, so a
 * flag exists in one place.
 */
export const CONSOLE_FLAGS: FlagTable = {
  '--case': { value: 'CASE', description: `The support case the session is for (${SUPPORT_CASE_NUMBER.allowed}); it must be the case the grant names. Required.` },
  '--node': {
    value: 'NAME',
    repeatable: true,
    description: 'A node the session may reach; repeat it or separate names with commas. Default: every node of the cluster.',
  },
  '--command': {
    value: 'LINE',
    repeatable: true,
    description: 'Run this command line, then exit (non-interactive); repeat it to run several, in order. Without it the console is interactive.',
  },
  '--reason': {
    value: 'TEXT',
    description: `With --command: why you run the commands (1 to ${MAX_APPROVAL_REASON} characters); sent with each one, so the cluster administrator sees it with a repair that waits for approval, and the transcript keeps it. With --request-access or --request-more-time: what you need to do and why.`,
  },
  '--json': { description: 'With --command: print one JSON document (session, results, ended) on stdout instead of text; with a request, print the request as JSON.' },
  '--gateway': {
    value: 'URL',
    description: 'The support channel, wss://HOST:PORT/api/channel/CLUSTER. Default: from <data dir>/gateway.json (its url with wss: and its cluster).',
  },
  '--relay': {
    value: 'URL',
    description: "Connect through Azure Relay: the cluster's Hybrid Connection, wss://NAMESPACE.servicebus.windows.net/$hc/NAME. Default: the relay in gateway.json (the embedded default's local relay), else the gateway directly.",
  },
  '--relay-sas': {
    value: 'TOKEN',
    description: `A Send token for the Hybrid Connection ("SharedAccessSignature sr=…"). Default: $${CONSOLE_ENV.relaySas}. Prefer the variable: a flag shows in process lists.`,
  },
  '--relay-key-name': { value: 'NAME', description: 'With --relay-key-file: a shared access policy with the Send right; the console mints a one-hour token from it.' },
  '--relay-key-file': { value: 'PATH', description: "The file holding that policy's key." },
  '--direct': { description: "Connect to the gateway's own channel (on-premises engineers) even when gateway.json names a relay." },
  '--data-dir': {
    value: 'DIR',
    description: `The gateway's data directory (gateway.json, engineer-client.json). Default: $${CONSOLE_ENV.dataDir}, else the per-user default.`,
  },
  '--ca-file': {
    value: 'PATH',
    description: "The CA certificate (PEM) that vouches for the gateway's TLS certificate. Default: the caFile in gateway.json when the URL comes from it, else the system's CAs.",
  },
  '--auth': { value: AUTH_KINDS.join('|'), description: 'How to sign in with msal-node. Default: client-credentials.' },
  '--authority': { value: 'URL', description: 'The Entra ID authority, https://login.microsoftonline.com/TENANT. Default: the local identity provider (engineer-client.json).' },
  '--client-id': { value: 'ID', description: "The support console's application (client) id in Entra ID." },
  '--client-secret': {
    value: 'SECRET',
    description: `The client secret (client-credentials). Default: $${CONSOLE_ENV.clientSecret}, else engineer-client.json. Prefer the variable: a flag shows in process lists.`,
  },
  '--scope': { value: 'SCOPE', description: "The gateway's scope, e.g. api://remote-support-gateway/.default." },
  '--token': {
    value: 'TOKEN',
    description: `An access token for the gateway; skips msal-node. Default: $${CONSOLE_ENV.token}. Prefer the variable: a flag shows in process lists.`,
  },
  '--request-access': { description: 'Ask the administrator for access (with --level, --minutes, --reason, --case, --node) instead of opening a session; waits for the answer.' },
  '--request-more-time': { value: 'MINUTES', description: 'Ask the administrator for MINUTES more on the active grant (with --reason and --case); waits for the answer.' },
  '--level': { value: 'Diagnostics|DiagnosticsRepair', description: 'With --request-access: the level to ask for.' },
  '--minutes': { value: 'MINUTES', description: 'With --request-access: how long access should last, 60 to 20160. Default 480.' },
  '--answer': { value: 'TEXT', description: "Answer the administrator's question on --request-id; waits for the answer." },
  '--request-id': { value: 'ID', description: 'With --answer: the request the question is on.' },
  '--no-wait': { description: 'With a request: print its id and exit instead of waiting for the answer.' },
  '--help': { description: 'Show this help and exit.' },
};

/** The command line, read and checked. */
export interface ConsoleArgs {
  help: boolean;
  supportCase: string;
  /** The nodes the session is opened on, or undefined for every node. */
  nodes: string[] | undefined;
  /** Non-interactive when not empty. */
  commands: string[];
  /** Sent with every --command (the engineer's stated reason). */
  reason: string | undefined;
  json: boolean;
  gateway: string | undefined;
  dataDir: string | undefined;
  caFile: string | undefined;
  relay: string | undefined;
  relaySas: string | undefined;
  relayKeyName: string | undefined;
  relayKeyFile: string | undefined;
  direct: boolean;
  auth: AuthKind;
  /** Whether --auth was given (device code needs explicit Entra ID settings). */
  authGiven: boolean;
  authority: string | undefined;
  clientId: string | undefined;
  clientSecret: string | undefined;
  scope: string | undefined;
  token: string | undefined;
  /** Ask the administrator instead of opening a session (null: open a session). */
  request: ConsoleRequest | null;
  /** With a request: wait for the answer. */
  wait: boolean;
}

const FLAG_LIST = Object.keys(CONSOLE_FLAGS).join(', ');

const HELP_ONLY: ConsoleArgs = {
  help: true,
  supportCase: '',
  nodes: undefined,
  commands: [],
  reason: undefined,
  json: false,
  gateway: undefined,
  dataDir: undefined,
  caFile: undefined,
  relay: undefined,
  relaySas: undefined,
  relayKeyName: undefined,
  relayKeyFile: undefined,
  direct: false,
  auth: 'client-credentials',
  authGiven: false,
  authority: undefined,
  clientId: undefined,
  clientSecret: undefined,
  scope: undefined,
  token: undefined,
  request: null,
  wait: true,
};

const NODE_ALLOWED = `node names, each ${NODE_NAME.allowed}`;

/** What is wrong with a reason the engineer gives (the channel's rule), or null. */
export function reasonProblem(reason: string): string | null {
  if (reason.trim() === '' || reason.length > MAX_APPROVAL_REASON) return `must be 1 to ${MAX_APPROVAL_REASON} characters (got ${reason.length})`;
  if (/\p{Cc}/u.test(reason)) return 'must not hold control characters';
  return null;
}

/** Splits repeated and comma-separated node names, dropping blanks and repeats. */
export function splitNodeNames(values: readonly string[]): string[] {
  return [...new Set(values.flatMap((v) => v.split(',')).map((n) => n.trim()).filter(Boolean))];
}

/** Returns the first name that is not a node name, if any. */
export function badNodeName(names: readonly string[]): string | undefined {
  return names.find((n) => !matches(NODE_NAME, n));
}

/**
 * Reads argv (without `node` and the script). `--flag value` and
 * `--flag=value` both work. Every mistake throws a CliError with code
 * InvalidCliUsage that names the flag and what it accepts.
 */
export function parseConsoleArgs(argv: readonly string[]): ConsoleArgs {
  const flags = readConsoleFlags(argv);
  // Help is answered before anything else is checked.
  if (flags.has('--help')) return { ...HELP_ONLY };

  const request = readRequestFlags(flags);
  // An answer is to a request already made; everything else is for a support case.
  const supportCase = flags.value('--case') ?? (request?.kind === 'answer' ? '' : undefined);
  if (supportCase === undefined) {
    throw usageError(`--case is required: the support case number the grant names (${SUPPORT_CASE_NUMBER.allowed}), e.g. --case 2611250010001234`, SUPPORT_CASE_NUMBER.allowed, '--case');
  }
  if (supportCase !== '' && !matches(SUPPORT_CASE_NUMBER, supportCase)) {
    throw usageError(`--case must be ${SUPPORT_CASE_NUMBER.allowed} (got ${JSON.stringify(supportCase.slice(0, 70))})`, SUPPORT_CASE_NUMBER.allowed, '--case');
  }

  let nodes: string[] | undefined;
  if (flags.has('--node')) {
    nodes = splitNodeNames(flags.all('--node'));
    const bad = badNodeName(nodes);
    if (nodes.length === 0) throw usageError('--node needs at least one node name, e.g. --node hci-n01,hci-n02', NODE_ALLOWED, '--node');
    if (bad !== undefined) throw usageError(`--node takes ${NODE_ALLOWED} (got ${JSON.stringify(bad.slice(0, 70))})`, NODE_ALLOWED, '--node');
  }

  const commands = flags.all('--command');
  const blank = commands.find((c) => c.trim() === '');
  if (blank !== undefined) throw usageError('--command needs a command line, e.g. --command Get-ClusterNode', 'a command line', '--command');
  // With a request, --reason is the request's (checked by readRequestFlags); otherwise it goes with --command.
  const reason = request ? undefined : flags.value('--reason');
  if (reason !== undefined) {
    if (commands.length === 0) throw usageError('--reason goes with --command; in the interactive console, type :reason TEXT before a command', '--command LINE', '--reason');
    const problem = reasonProblem(reason);
    if (problem) throw usageError(`--reason ${problem}`, `1 to ${MAX_APPROVAL_REASON} characters without control characters`, '--reason');
  }
  const json = flags.has('--json');
  if (json && commands.length === 0 && !request) {
    throw usageError('--json needs --command: it prints the results of the commands given on the command line; the interactive console prints text', '--command LINE', '--json');
  }

  const authValue = flags.value('--auth');
  if (authValue !== undefined && !(AUTH_KINDS as readonly string[]).includes(authValue)) {
    throw usageError(`--auth must be ${AUTH_KINDS.join(' or ')} (got ${JSON.stringify(authValue.slice(0, 40))})`, AUTH_KINDS.join(', '), '--auth');
  }
  const auth = (authValue ?? 'client-credentials') as AuthKind;

  const token = flags.value('--token');
  if (token !== undefined) {
    const clash = SIGN_IN_FLAGS.find((f) => flags.has(f));
    if (clash) throw usageError(`--token and ${clash} exclude each other: --token skips sign-in; give one or the other`, '--token, or the sign-in flags', clash);
  }
  if (auth === 'device-code' && flags.has('--client-secret')) {
    throw usageError('--client-secret is for --auth client-credentials; the device code flow signs a person in without a secret', 'client-credentials', '--client-secret');
  }

  const authority = flags.value('--authority');
  if (authority !== undefined) checkHttpsUrl(authority, '--authority', 'https://login.microsoftonline.com/TENANT');

  const relayFlags = RELAY_FLAGS.filter((f) => flags.has(f));
  for (const [flag, other] of [['--gateway', relayFlags[0]], ['--direct', relayFlags[0]]] as const) {
    if (flags.has(flag) && other) throw usageError(`${flag} and ${other} exclude each other: ${flag} connects to the gateway itself, ${other} goes through the relay`, `${flag}, or the relay flags`, other);
  }
  if (flags.has('--relay-key-name') !== flags.has('--relay-key-file')) {
    throw usageError('--relay-key-name and --relay-key-file go together: the Send policy and the file holding its key', '--relay-key-name NAME --relay-key-file PATH', flags.has('--relay-key-name') ? '--relay-key-file' : '--relay-key-name');
  }
  if (flags.has('--relay-sas') && flags.has('--relay-key-name')) {
    throw usageError('--relay-sas and --relay-key-name exclude each other: give a Send token, or a key to mint one from', '--relay-sas, or --relay-key-name with --relay-key-file', '--relay-key-name');
  }

  return {
    help: false,
    supportCase,
    nodes,
    commands,
    reason,
    json,
    gateway: flags.value('--gateway'),
    dataDir: flags.value('--data-dir'),
    caFile: flags.value('--ca-file'),
    relay: flags.value('--relay'),
    relaySas: flags.value('--relay-sas'),
    relayKeyName: flags.value('--relay-key-name'),
    relayKeyFile: flags.value('--relay-key-file'),
    direct: flags.has('--direct'),
    auth,
    authGiven: authValue !== undefined,
    authority,
    clientId: flags.value('--client-id'),
    clientSecret: flags.value('--client-secret'),
    scope: flags.value('--scope'),
    token,
    request,
    wait: !flags.has('--no-wait'),
  };
}

/** Checks that a flag holds an https URL; sign-in and channel traffic never go in the clear. */
export function checkHttpsUrl(raw: string, flag: string, example: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw usageError(`${flag} must be a URL such as ${example} (got ${JSON.stringify(raw.slice(0, 100))})`, example, flag);
  }
  if (url.protocol !== 'https:') throw usageError(`${flag} must be an https:// URL such as ${example} (got ${raw.slice(0, 100)})`, example, flag);
  return url;
}

function readConsoleFlags(argv: readonly string[]): FlagValues {
  const { values, problems } = readFlags(argv, (name) => CONSOLE_FLAGS[name]);
  const first = problems[0];
  // --help wins over every other mistake, so `support-console --bogus --help` still helps.
  if (first === undefined || values.has('--help')) return values;
  if (first.kind === 'positional') {
    throw usageError(`Unexpected argument ${JSON.stringify(first.arg.slice(0, 70))}: put a command line after --command (quoted), e.g. --command "Get-VM -Name web*"`, FLAG_LIST);
  }
  throw flagProblemError(first, (name) => {
    const hint = /^-[A-Za-z]/.test(name) ? ' (flags start with two dashes, e.g. --case)' : '';
    return usageError(`${name} is not a flag of support-console${hint}; the flags are ${FLAG_LIST}`, FLAG_LIST, name);
  });
}

/** The --help text, read from the flag table. */
export function consoleHelpText(): string {
  const entries = Object.entries(CONSOLE_FLAGS).map(([name, spec]) => [`${name}${spec.value ? ` ${spec.value}` : ''}${spec.repeatable ? ' ...' : ''}`, spec.description] as const);
  const width = Math.max(...entries.map(([usage]) => usage.length));
  return [
    'Usage: support-console --case CASE [--node NAME ...] [--command LINE ... [--json]] [sign-in flags]',
    '',
    'Open a remote support session on an Azure Stack HCI cluster through its gateway and run',
    'allowlisted commands on its nodes. The gateway checks every command against the access',
    'level the cluster administrator granted and records it in the session transcript.',
    '',
    'Flags:',
    ...entries.map(([usage, description]) => `  ${usage.padEnd(width)}  ${description}`),
    '',
    'Signing in (first match wins):',
    `  1. --token, or $${CONSOLE_ENV.token}: an access token you already have.`,
    '  2. --authority, --client-id, --scope (and --client-secret, for client-credentials): your Entra ID',
    '     app registration; --auth device-code signs you in in a browser with a code instead of a secret.',
    '  3. Nothing given: <data dir>/engineer-client.json, the client registration of the gateway\'s',
    '     LOCAL identity provider. It exists only in the embedded default and in tests, where it stands',
    '     in for Entra ID; a production gateway verifies Entra ID tokens.',
    '',
    'Interactive console commands (every other line is sent to the gateway as it is):',
    ...CONSOLE_COMMAND_HELP.map(([usage, description]) => `  ${usage.padEnd(22)}  ${description}`),
    '',
    'Exit codes:',
    ...CONSOLE_EXIT_LINES.map(([code, meaning]) => `  ${code}  ${meaning}`),
    '',
    'Examples:',
    '  support-console --case 2611250010001234',
    '  support-console --case 2611250010001234 --node hci-n01,hci-n02 --command Get-ClusterNode --command "Get-PhysicalDisk -HealthStatus Warning" --json',
    '  support-console --case 2611250010001234 --authority https://login.microsoftonline.com/contoso.onmicrosoft.com \\',
    '    --client-id 6f1c2d3e-0000-4000-8000-000000000000 --scope api://remote-support-gateway/.default --auth device-code \\',
    '    --gateway wss://hci-gw.contoso.local:6600/api/channel/hci-cl01.contoso.local --ca-file gateway-ca.pem',
    `  ${CONSOLE_ENV.relaySas}='SharedAccessSignature sr=…' support-console --case 2611250010001234 \\`,
    '    --relay wss://contoso-support.servicebus.windows.net/$hc/hci-cl01 --token "$TOKEN"',
    '',
  ].join('\n');
}

/** The interactive console's own commands, for --help and :help. */
export const CONSOLE_COMMAND_HELP: readonly (readonly [string, string])[] = [
  [':nodes NAME[,NAME...]', 'run the next commands on these nodes of the session only'],
  [':nodes all', 'run the next commands on every node of the session again'],
  [':nodes', 'show the nodes the next command runs on'],
  [':reason TEXT', 'send TEXT as the reason of the next command (the admin sees it with a repair that waits for approval)'],
  [':commands', 'list the cmdlets the access level allowed when the session opened'],
  [':help', 'show this list'],
  [':quit', 'close the session and exit (also Ctrl-D, Ctrl-C)'],
];
