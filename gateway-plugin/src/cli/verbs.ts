import type { FlagSpec, FlagTable } from '../cli-kit/flag-reader';
import { ACCESS_LEVELS } from '../domain/access-level';
import { EXPIRE_IN_MINUTES, EXPIRE_IN_MINUTES_ALLOWED } from '../domain/duration';
import { SUPPORT_CASE_NUMBER } from '../domain/identifiers';
import { DEFAULT_HISTORY_DAYS, EXPIRED_GRANT_WINDOW_DAYS } from '../domain/retention';

/**
 * The CLI's verbs and flags as data. The parser, `--help` and docs/cli.md all
 * read from here, so a flag exists in exactly one place.
 */

export type { FlagSpec, FlagTable };

export const VERB_NAMES = ['install', 'remove', 'enable', 'disable', 'get-access', 'get-session-history', 'search-transcript', 'verify-session', 'export-session', 'status', 'prerequisites', 'login-link', 'get-access-requests', 'approve-access-request', 'deny-access-request', 'ask-access-request', 'get-repair-approvals', 'approve-repair', 'refuse-repair', 'get-deny-list', 'set-deny-list', 'get-record-reads'] as const;
export type VerbName = (typeof VERB_NAMES)[number];

export interface VerbSpec {
  name: VerbName;
  /** The reference cmdlet the verb mirrors, or null for CLI-only extras. */
  cmdlet: string | null;
  summary: string;
  flags: FlagTable;
  examples: readonly string[];
}

/** Flags every verb accepts, anywhere on the line. */
export const GLOBAL_FLAGS: FlagTable = {
  '--json': { description: "Print the API's JSON result (pretty) to stdout instead of a table; errors become {\"error\":{...}} on stdout." },
  '--gateway': { value: 'URL', description: 'The gateway to call, https://HOST:PORT. Default: the url in <data dir>/gateway.json.' },
  '--cluster': { value: 'NAME', description: 'The cluster to act on. Default: the cluster in <data dir>/gateway.json.' },
  '--data-dir': { value: 'DIR', description: "The gateway's data directory (gateway.json, admin-credential). Default: $REMOTE_SUPPORT_DATA_DIR, else the per-user default." },
  '--token': { value: 'TOKEN', description: 'The admin credential. Default: $REMOTE_SUPPORT_TOKEN, else <data dir>/admin-credential. Prefer those: a flag shows in process lists.' },
  '--ca-file': { value: 'PATH', description: "The CA certificate (PEM) that vouches for the gateway's TLS certificate. Default: the caFile in <data dir>/gateway.json." },
  '--help': { description: 'Show help (for the verb, when one is given) and exit.' },
};

const NODE_FLAG: FlagSpec = {
  value: 'NAME',
  repeatable: true,
  description: 'A node to act on; repeat it or separate names with commas. Default: every node of the cluster.',
};

/** Every verb, in the order help lists them. */
export const VERBS: readonly VerbSpec[] = [
  {
    name: 'install',
    cmdlet: 'Install-AzStackHCIRemoteSupport',
    summary: 'Install the remote support agent (the JEA endpoint) on the nodes, following progress per node.',
    flags: { '--node': NODE_FLAG },
    examples: ['remote-support install', 'remote-support install --node hci-n01 --node hci-n02'],
  },
  {
    name: 'remove',
    cmdlet: 'Remove-AzStackHCIRemoteSupport',
    summary: 'Remove the remote support agent from the nodes (revoke the active grant first).',
    flags: { '--node': NODE_FLAG },
    examples: ['remote-support remove', 'remote-support remove --node hci-n04'],
  },
  {
    name: 'enable',
    cmdlet: 'Enable-AzStackHCIRemoteSupport',
    summary: 'Grant support time-boxed access; replaces (supersedes) any active grant.',
    flags: {
      '--access-level': { value: ACCESS_LEVELS.join('|'), description: 'What the engineer may run. Required.' },
      '--expire-in-minutes': {
        value: 'MINUTES',
        description: `How long access lasts: ${EXPIRE_IN_MINUTES_ALLOWED}. Default ${EXPIRE_IN_MINUTES.default}.`,
      },
      '--agree-to-remote-support-consent': {
        description: 'Agree to the remote support terms. Required; without it the terms are printed and nothing is granted.',
      },
      '--support-case-number': { value: 'CASE', description: `The support case the access is for: ${SUPPORT_CASE_NUMBER.allowed}.` },
      '--sas-credential': {
        value: 'SAS',
        description: 'The Shared Access Signature support gave you. Required when the cluster is not registered with Azure; refused when it is.',
      },
      '--repair-approval': {
        value: 'true|false',
        description: "DiagnosticsRepair only: whether each repair command waits for your live approval (GET approvals, then approve or refuse). Default true; refused for Diagnostics.",
      },
    },
    examples: [
      'remote-support enable --access-level Diagnostics --expire-in-minutes 1440 --agree-to-remote-support-consent',
      'remote-support enable --access-level DiagnosticsRepair --agree-to-remote-support-consent --repair-approval false',
      'remote-support enable --access-level DiagnosticsRepair --agree-to-remote-support-consent --support-case-number 2611180010001234',
    ],
  },
  {
    name: 'disable',
    cmdlet: 'Disable-AzStackHCIRemoteSupport',
    summary: 'Revoke the active grant; new sessions are refused.',
    flags: {},
    examples: ['remote-support disable'],
  },
  {
    name: 'get-access',
    cmdlet: 'Get-AzStackHCIRemoteSupportAccess',
    summary: 'List the active grant, and with --include-expired the grants that ended in the last 30 days.',
    flags: {
      '--include-expired': { description: `Also list grants that expired, were revoked or superseded in the last ${EXPIRED_GRANT_WINDOW_DAYS} days.` },
    },
    examples: ['remote-support get-access', 'remote-support get-access --include-expired --json'],
  },
  {
    name: 'get-session-history',
    cmdlet: 'Get-AzStackHCIRemoteSupportSessionHistory',
    summary: 'List remote sessions, or show one session and its transcript.',
    flags: {
      '--from-date': {
        value: 'DATE',
        description: `List sessions that started at or after DATE (2026-11-18 or 2026-11-18T09:30:00Z). Default: the last ${DEFAULT_HISTORY_DAYS} days.`,
      },
      '--session-id': { value: 'ID', description: 'Show this session (its id from the list) instead of the list.' },
      '--include-transcript': { description: 'With --session-id: also print the whole transcript.' },
    },
    examples: [
      'remote-support get-session-history --from-date 2026-11-01',
      'remote-support get-session-history --session-id 3f2b9c1e-8d4a-4f6b-9a7c-2e5d1b0c9f43 --include-transcript',
    ],
  },
  {
    name: 'search-transcript',
    cmdlet: 'Search-AzStackHCIRemoteSupportTranscript',
    summary: 'Search the text of every transcript, newest first; every hit, read page by page.',
    flags: {
      '--query': { value: 'TEXT', description: 'The words to find (1 to 200 characters). Required.' },
      '--from-date': {
        value: 'DATE',
        description: 'Search sessions that started at or after DATE (2026-11-18 or 2026-11-18T09:30:00Z). Default: every session kept.',
      },
      '--limit': { value: 'N', description: 'Stop after the N newest hits. Default: every hit.' },
    },
    examples: [
      "remote-support search-transcript --query 'Restart-Service'",
      "remote-support search-transcript --query 'Remove-Item' --from-date 2026-11-01 --limit 50 --json",
    ],
  },
  {
    name: 'verify-session',
    cmdlet: null,
    summary: "Check a session's transcript hash chain; exits 1 and names the first bad entry when it is broken.",
    flags: { '--session-id': { value: 'ID', description: 'The session to verify (required).' } },
    examples: ['remote-support verify-session --session-id 3f2b9c1e-8d4a-4f6b-9a7c-2e5d1b0c9f43'],
  },
  {
    name: 'export-session',
    cmdlet: null,
    summary: "Export a session's whole transcript, with its integrity check, as text or JSON.",
    flags: {
      '--session-id': { value: 'ID', description: 'The session to export (required).' },
      '--format': { value: 'text|json', description: 'text (default) for reading, json (with hashes) for verifying and archiving.' },
      '--output': { value: 'FILE', description: 'Write to FILE instead of stdout (refuses to overwrite an existing file).' },
    },
    examples: [
      'remote-support export-session --session-id 3f2b9c1e-8d4a-4f6b-9a7c-2e5d1b0c9f43',
      'remote-support export-session --session-id 3f2b9c1e-8d4a-4f6b-9a7c-2e5d1b0c9f43 --format json --output case-1234.json',
    ],
  },
  {
    name: 'status',
    cmdlet: null,
    summary: 'Show the cluster: agent state per node, the active grant, live sessions, the last agent operation.',
    flags: {},
    examples: ['remote-support status'],
  },
  {
    name: 'prerequisites',
    cmdlet: null,
    summary: 'Check the prerequisites (KDS root key, Az.StackHCI module, proxy endpoints, JEA endpoint) and say how to fix what fails.',
    flags: {},
    examples: ['remote-support prerequisites'],
  },
  {
    name: 'login-link',
    cmdlet: null,
    summary: "Print a one-time link that signs a browser in to the gateway's page (good once, for 10 minutes; local admin credential only).",
    flags: {},
    examples: ['remote-support login-link'],
  },
  {
    name: 'get-access-requests',
    cmdlet: 'Get-AzStackHCIRemoteSupportAccessRequest',
    summary: "List engineers' access requests, newest first, or show one with its conversation and answer.",
    flags: {
      '--open': { description: 'Only the requests still waiting for an answer (or for their approved start).' },
      '--request-id': { value: 'ID', description: 'Show this request instead of the list.' },
    },
    examples: ['remote-support get-access-requests --open', 'remote-support get-access-requests --request-id 7c1e2d3a-4b5c-4d6e-8f70-1a2b3c4d5e6f'],
  },
  {
    name: 'approve-access-request',
    cmdlet: 'Approve-AzStackHCIRemoteSupportAccessRequest',
    summary: 'Approve an access request as asked, or with a lower level, a shorter time or a later start; grants as enable does.',
    flags: {
      '--request-id': { value: 'ID', description: 'The request to approve (required).' },
      '--agree-to-remote-support-consent': { description: 'Agree to the remote support terms (required, as for enable).' },
      '--access-level': { value: ACCESS_LEVELS.join('|'), description: 'A lower level than asked. Default: the level asked.' },
      '--expire-in-minutes': { value: 'MINUTES', description: 'A shorter time than asked. Default: the time asked.' },
      '--start-at': { value: 'TIME', description: 'Start later (2026-12-04T08:00:00Z), at most 7 days ahead. Default: now.' },
      '--sas-credential': { value: 'SAS', description: 'The Shared Access Signature, when the cluster is not registered with Azure (not with --start-at).' },
    },
    examples: [
      'remote-support approve-access-request --request-id 7c1e2d3a-4b5c-4d6e-8f70-1a2b3c4d5e6f --agree-to-remote-support-consent',
      'remote-support approve-access-request --request-id 7c1e2d3a-4b5c-4d6e-8f70-1a2b3c4d5e6f --access-level Diagnostics --expire-in-minutes 120 --start-at 2026-12-04T08:00:00Z --agree-to-remote-support-consent',
    ],
  },
  {
    name: 'deny-access-request',
    cmdlet: 'Deny-AzStackHCIRemoteSupportAccessRequest',
    summary: 'Deny an access request, saying why (the engineer reads it).',
    flags: {
      '--request-id': { value: 'ID', description: 'The request to deny (required).' },
      '--reason': { value: 'TEXT', description: 'Why (required, 1 to 1,000 characters).' },
    },
    examples: ["remote-support deny-access-request --request-id 7c1e2d3a-4b5c-4d6e-8f70-1a2b3c4d5e6f --reason 'Not during the quarter close'"],
  },
  {
    name: 'ask-access-request',
    cmdlet: null,
    summary: 'Ask the engineer for more information before answering their access request.',
    flags: {
      '--request-id': { value: 'ID', description: 'The request (required).' },
      '--question': { value: 'TEXT', description: 'What you want to know (required, 1 to 1,000 characters).' },
    },
    examples: ["remote-support ask-access-request --request-id 7c1e2d3a-4b5c-4d6e-8f70-1a2b3c4d5e6f --question 'Which node, and why a repair?'"],
  },
  {
    name: 'get-repair-approvals',
    cmdlet: 'Get-AzStackHCIRemoteSupportRepairApproval',
    summary: "List the repair commands waiting for your live yes: engineer, node, command and the engineer's reason.",
    flags: {},
    examples: ['remote-support get-repair-approvals'],
  },
  {
    name: 'approve-repair',
    cmdlet: 'Approve-AzStackHCIRemoteSupportRepair',
    summary: 'Let a waiting repair run (it is checked against the grant and the deny list again first).',
    flags: {
      '--approval-id': { value: 'ID', description: 'The waiting repair (required; get-repair-approvals lists them).' },
      '--reason': { value: 'TEXT', description: 'A note kept with the answer in the transcript.' },
    },
    examples: ['remote-support approve-repair --approval-id 5b9e2c1d-7a3f-4e8b-9c0d-1e2f3a4b5c6d'],
  },
  {
    name: 'refuse-repair',
    cmdlet: 'Deny-AzStackHCIRemoteSupportRepair',
    summary: 'Refuse a waiting repair, saying why (the engineer reads it).',
    flags: {
      '--approval-id': { value: 'ID', description: 'The waiting repair (required).' },
      '--reason': { value: 'TEXT', description: 'Why (required).' },
    },
    examples: ["remote-support refuse-repair --approval-id 5b9e2c1d-7a3f-4e8b-9c0d-1e2f3a4b5c6d --reason 'Not on the node hosting SQL'"],
  },
  {
    name: 'get-deny-list',
    cmdlet: 'Get-AzStackHCIRemoteSupportDenyList',
    summary: 'Show the deny list: commands refused before they run or ask, whatever the grant allows.',
    flags: {},
    examples: ['remote-support get-deny-list --json'],
  },
  {
    name: 'set-deny-list',
    cmdlet: 'Set-AzStackHCIRemoteSupportDenyList',
    summary: 'Replace the deny list with the rules in a JSON file; each rule is checked, and a bad one changes nothing.',
    flags: {
      '--file': { value: 'PATH', description: 'A JSON array of rules: { "cmdlet", "reason", "parameters"?, "nodes"?, "hostsRoles"? } (required).' },
      '--expected-version': { value: 'N', description: 'The version of the list you read (get-deny-list); refused with DenyListChanged, saving nothing, when someone saved it since. Without it the list in force is replaced.' },
    },
    examples: ['remote-support set-deny-list --file deny-list.json', 'remote-support set-deny-list --file deny-list.json --expected-version 4'],
  },
  {
    name: 'get-record-reads',
    cmdlet: 'Get-AzStackHCIRemoteSupportRecordRead',
    summary: 'List who read the record (transcripts viewed, exported or verified, and searches), newest first.',
    flags: { '--session-id': { value: 'ID', description: "Only the reads of this session's transcript." } },
    examples: ['remote-support get-record-reads --session-id 3f2b9c1e-8d4a-4f6b-9a7c-2e5d1b0c9f43', 'remote-support get-record-reads --json'],
  },
];

/** The verb named `name`, if there is one. */
export function findVerb(name: string): VerbSpec | undefined {
  return VERBS.find((v) => v.name === name);
}

/** Every flag any verb or the global set knows, for reading the command line before the verb is known. */
export function allFlags(): Map<string, FlagSpec> {
  const all = new Map<string, FlagSpec>(Object.entries(GLOBAL_FLAGS));
  for (const verb of VERBS) for (const [name, spec] of Object.entries(verb.flags)) all.set(name, spec);
  return all;
}
