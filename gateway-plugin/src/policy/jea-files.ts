import { createHash } from 'node:crypto';
import { ACCESS_LEVELS, AccessLevel, levelsIncludedBy } from '../domain/access-level';
import { COMMAND_TABLE, CommandEntry, ParameterSpec } from './command-table';

/**
 * The JEA files the agent install puts on each node, generated from the
 * command table so that the node's own endpoint enforces the same allowlist
 * as the gateway: one role capability (.psrc) per access level, a session
 * configuration (.pssc) that maps the admin's groups to them, and the module
 * manifest that makes the RoleCapabilities folder discoverable.
 *
 * Each level's role capability lists exactly the cmdlets the table puts at
 * that level, and the DiagnosticsRepair group is given both capabilities.
 * That way no cmdlet is listed twice: JEA merges a cmdlet that appears in
 * two capabilities by widening its parameter rules, which we never want.
 */

/** The PowerShell module that holds the role capabilities on a node. */
export const JEA_MODULE_NAME = 'RemoteSupportHCI';
/** The name the session configuration is registered under (Register-PSSessionConfiguration -Name). */
export const SESSION_CONFIGURATION_NAME = 'RemoteSupport.HCI';
/** Where JEA writes its own transcripts on the node unless the admin chooses otherwise. */
export const DEFAULT_TRANSCRIPT_DIRECTORY = 'C:\\ProgramData\\RemoteSupport\\Transcripts';

const MODULE_DIRECTORY = `C:\\Program Files\\WindowsPowerShell\\Modules\\${JEA_MODULE_NAME}`;
const AUTHOR = 'Remote Support for Azure Stack HCI';
const MODULE_VERSION = '1.0.0';
// Fixed namespace for the name-based GUIDs below, so that every build
// writes the same GUID for the same file.
const GUID_NAMESPACE = '6f1c7a52-0c4e-4c43-9a57-2f7b8a3d5e19';

/** What the session configuration needs from the cluster admin. */
export interface JeaOptions {
  /** The Active Directory group (DOMAIN\Group) whose members get each level. */
  groups: Record<AccessLevel, string>;
  /** Where JEA writes transcripts on the node; defaults to DEFAULT_TRANSCRIPT_DIRECTORY. */
  transcriptDirectory?: string;
}

/** One generated file and the path it goes to on a node. */
export interface JeaFile {
  path: string;
  content: string;
}

/** The role capability name of a level, as RoleDefinitions refers to it (the .psrc file name without extension). */
export function roleCapabilityName(level: AccessLevel): string {
  return `RemoteSupport.${level}`;
}

/**
 * A PowerShell single-quoted string literal. Inside single quotes PowerShell
 * reads the curly single quotes U+2018..U+201B as quotes too, so each of
 * them is doubled like the ASCII one.
 */
export function powerShellLiteral(text: string): string {
  if (/[\x00-\x08\x0a-\x1f\x7f]/.test(text)) throw new Error(`A value in a JEA file cannot contain control characters or line breaks (got ${JSON.stringify(text)}).`);
  return `'${text.replace(/['\u2018\u2019\u201a\u201b]/g, (q) => q + q)}'`;
}

/** A name-based (version 5) GUID: stable for the same name, different for different names. */
function stableGuid(name: string): string {
  const hash = createHash('sha1').update(Buffer.from(GUID_NAMESPACE.replace(/-/g, ''), 'hex')).update(name, 'utf8').digest();
  hash[6] = (hash[6] & 0x0f) | 0x50;
  hash[8] = (hash[8] & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** A comment line; a reason is one sentence, but never let it break the line. */
function comment(text: string): string {
  return `# ${text.replace(/[\x00-\x1f\x7f]/g, ' ')}`;
}

function parameterEntry(parameter: ParameterSpec): string {
  const rule = parameter.rule;
  const name = `Name = ${powerShellLiteral(parameter.name)}`;
  switch (rule.kind) {
    case 'switch':
      return `@{ ${name} }`;
    case 'set':
      return `@{ ${name}; ValidateSet = ${rule.values.map(powerShellLiteral).join(', ')} }`;
    case 'pattern':
      return `@{ ${name}; ValidatePattern = ${powerShellLiteral(dotNetPattern(rule.pattern))} }`;
    case 'int':
      // JEA has no range rule for a parameter; a pattern of whole numbers is
      // the closest, and the gateway checks the range itself.
      return `@{ ${name}; ValidatePattern = ${powerShellLiteral(dotNetPattern('^-?[0-9]{1,15}$'))} }`;
  }
}

/**
 * One VisibleCmdlets entry. Always the hashtable form: a bare cmdlet name
 * would make every parameter visible (-ComputerName, -CimSession, ...).
 * An empty Parameters list leaves the cmdlet with no parameters at all.
 */
function visibleCmdlet(entry: CommandEntry): string[] {
  const lines = [`        ${comment(entry.reason)}`];
  if (entry.parameters.length === 0) {
    lines.push(`        @{ Name = ${powerShellLiteral(entry.name)}; Parameters = @() }`);
    return lines;
  }
  lines.push('        @{');
  lines.push(`            Name = ${powerShellLiteral(entry.name)}`);
  lines.push('            Parameters = @(');
  for (const parameter of entry.parameters) lines.push(`                ${parameterEntry(parameter)}`);
  lines.push('            )');
  lines.push('        }');
  return lines;
}

/** The cmdlets one role capability lists: those the table puts at exactly this level. */
export function cmdletsOfRoleCapability(level: AccessLevel): CommandEntry[] {
  return COMMAND_TABLE.filter((c) => c.level === level);
}

/**
 * The text of the role capability (.psrc) of one access level: the cmdlets
 * the table puts at that level, each with exactly its table parameters and
 * their ValidateSet / ValidatePattern rules. The text is the same on every
 * call for the same table.
 */
export function roleCapabilityFile(level: AccessLevel): string {
  const name = roleCapabilityName(level);
  const description = level === 'Diagnostics'
    ? 'Read-only commands of the Diagnostics access level of Remote Support for Azure Stack HCI.'
    : `Repair commands that the ${level} access level adds; its role definition also grants ${roleCapabilityName('Diagnostics')}.`;
  const lines = [
    comment(`${name}.psrc: generated from the command table of Remote Support for Azure Stack HCI. Do not edit by hand.`),
    '@{',
    `    GUID = ${powerShellLiteral(stableGuid(`role-capability/${name}`))}`,
    `    Author = ${powerShellLiteral(AUTHOR)}`,
    `    Description = ${powerShellLiteral(description)}`,
    '    VisibleCmdlets = @(',
  ];
  for (const entry of cmdletsOfRoleCapability(level)) lines.push(...visibleCmdlet(entry));
  lines.push('    )', '}', '');
  return lines.join('\r\n');
}

// DOMAIN\Group: a NetBIOS or DNS domain name, then a group name of letters,
// digits, spaces and . _ - ' ( ). Anything else (wildcards, quotes other
// than the apostrophe, control characters) is refused rather than quoted.
const GROUP_NAME = /^([A-Za-z0-9][A-Za-z0-9.-]{0,62})\\([A-Za-z0-9_(][A-Za-z0-9 ._'()-]{0,62}[A-Za-z0-9_)]|[A-Za-z0-9_])$/;
// Each segment excludes the separator, so the pattern cannot backtrack.
const WINDOWS_DIRECTORY = /^[A-Za-z]:(?:\\[^<>:"/\\|?*\x00-\x1f]+)+\\?$/;

function checkOptions(options: JeaOptions): { groups: Record<AccessLevel, string>; transcriptDirectory: string } {
  const groups = options?.groups;
  if (groups === null || typeof groups !== 'object') throw new Error(`groups must name a DOMAIN\\Group for each access level (${ACCESS_LEVELS.join(', ')}).`);
  for (const level of ACCESS_LEVELS) {
    const group = groups[level];
    if (typeof group !== 'string' || !GROUP_NAME.test(group)) {
      throw new Error(`groups.${level} must be an Active Directory group in DOMAIN\\Group form, such as CONTOSO\\RemoteSupport-${level} (letters, digits, spaces and . _ - ' ( ) in the group name); got ${JSON.stringify(group)}.`);
    }
  }
  const lowered = ACCESS_LEVELS.map((level) => groups[level].toLowerCase());
  if (new Set(lowered).size !== lowered.length) {
    throw new Error(`Each access level needs its own group: ${ACCESS_LEVELS.map((l) => `groups.${l}`).join(' and ')} name the same group (${groups[ACCESS_LEVELS[0]]}).`);
  }
  for (const key of Object.keys(groups)) {
    if (!(ACCESS_LEVELS as readonly string[]).includes(key)) throw new Error(`groups.${key} is not an access level; the levels are ${ACCESS_LEVELS.join(', ')}.`);
  }
  const transcriptDirectory = options.transcriptDirectory ?? DEFAULT_TRANSCRIPT_DIRECTORY;
  if (typeof transcriptDirectory !== 'string' || transcriptDirectory.length > 240 || !WINDOWS_DIRECTORY.test(transcriptDirectory) || /(^|\\)\.+(\\|$)/.test(transcriptDirectory)) {
    throw new Error(`transcriptDirectory must be an absolute Windows folder such as ${DEFAULT_TRANSCRIPT_DIRECTORY} (a drive letter, no . or .. segments, at most 240 characters); got ${JSON.stringify(transcriptDirectory)}.`);
  }
  return { groups, transcriptDirectory };
}

/** The role capabilities a member of `level`'s group gets: its own and every level below it. */
export function roleCapabilitiesOfLevel(level: AccessLevel): string[] {
  return levelsIncludedBy(level).map(roleCapabilityName);
}

/**
 * The text of the session configuration (.pssc): a restricted remote server
 * (NoLanguage) that runs as a virtual account, writes JEA transcripts, and
 * maps each level's group to its role capabilities. The DiagnosticsRepair
 * group gets both capabilities. Throws an Error naming the option when a
 * group is not in DOMAIN\Group form or the transcript folder is not usable.
 */
export function sessionConfigurationFile(options: JeaOptions): string {
  const { groups, transcriptDirectory } = checkOptions(options);
  const lines = [
    comment(`${SESSION_CONFIGURATION_NAME}.pssc: generated from the command table of Remote Support for Azure Stack HCI. Do not edit by hand.`),
    '@{',
    `    SchemaVersion = ${powerShellLiteral('2.0.0.0')}`,
    `    GUID = ${powerShellLiteral(stableGuid(`session-configuration/${SESSION_CONFIGURATION_NAME}`))}`,
    `    Author = ${powerShellLiteral(AUTHOR)}`,
    `    Description = ${powerShellLiteral('The JEA endpoint that remote support sessions run their allowlisted commands through.')}`,
    `    SessionType = ${powerShellLiteral('RestrictedRemoteServer')}`,
    `    LanguageMode = ${powerShellLiteral('NoLanguage')}`,
    '    RunAsVirtualAccount = $true',
    `    TranscriptDirectory = ${powerShellLiteral(transcriptDirectory)}`,
    '    RoleDefinitions = @{',
  ];
  for (const level of ACCESS_LEVELS) {
    lines.push(`        ${powerShellLiteral(groups[level])} = @{ RoleCapabilities = ${roleCapabilitiesOfLevel(level).map(powerShellLiteral).join(', ')} }`);
  }
  lines.push('    }', '}', '');
  return lines.join('\r\n');
}

/** The module manifest that makes the module folder, and so its RoleCapabilities folder, discoverable. */
function moduleManifestFile(): string {
  return [
    comment(`${JEA_MODULE_NAME}.psd1: generated by Remote Support for Azure Stack HCI. Do not edit by hand.`),
    '@{',
    `    ModuleVersion = ${powerShellLiteral(MODULE_VERSION)}`,
    `    GUID = ${powerShellLiteral(stableGuid(`module/${JEA_MODULE_NAME}`))}`,
    `    Author = ${powerShellLiteral(AUTHOR)}`,
    `    Description = ${powerShellLiteral('Role capabilities of the remote support JEA endpoint.')}`,
    '    FunctionsToExport = @()',
    '    CmdletsToExport = @()',
    '    VariablesToExport = @()',
    '    AliasesToExport = @()',
    '}',
    '',
  ].join('\r\n');
}

/**
 * Every file the agent install writes on a node, with its path there: the
 * module manifest, one role capability per access level, and the session
 * configuration to register as SESSION_CONFIGURATION_NAME.
 */
export function jeaFiles(options: JeaOptions): JeaFile[] {
  const sessionConfiguration = sessionConfigurationFile(options);
  return [
    { path: `${MODULE_DIRECTORY}\\${JEA_MODULE_NAME}.psd1`, content: moduleManifestFile() },
    ...ACCESS_LEVELS.map((level) => ({
      path: `${MODULE_DIRECTORY}\\RoleCapabilities\\${roleCapabilityName(level)}.psrc`,
      content: roleCapabilityFile(level),
    })),
    { path: `${MODULE_DIRECTORY}\\${SESSION_CONFIGURATION_NAME}.pssc`, content: sessionConfiguration },
  ];
}

/**
 * The table's patterns are JavaScript regular expressions anchored with ^…$.
 * In .NET a final $ also matches before a trailing line feed, so the JEA file
 * anchors with \z (the very end) instead.
 */
export function dotNetPattern(pattern: string): string {
  return pattern.endsWith('$') && !pattern.endsWith('\\$') ? `${pattern.slice(0, -1)}\\z` : pattern;
}
