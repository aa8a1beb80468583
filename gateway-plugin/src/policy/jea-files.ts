import { createHash } from 'node:crypto';
import { ACCESS_LEVELS, AccessLevel, levelsIncludedBy } from '../domain/access-level';
import { COMMAND_TABLE, CommandEntry, NodeModule, ParameterSpec } from './command-table';

/**
 * The JEA files the agent install puts on each node, generated from the
 * command table so that the node's own endpoints enforce the same allowlist
 * as the gateway.
 *
 * The node enforces the access level itself: there is one session
 * configuration (endpoint) per level, each with one role capability (.psrc)
 * that lists every command of that level and those below it. The gateway
 * connects to the endpoint of the grant's current level, so a Diagnostics
 * grant reaches an endpoint on which repair commands do not exist, whatever
 * the gateway's check said.
 *
 * Each role capability names the modules its commands come from in
 * ModulesToImport: with visibility rules set, JEA turns module autoloading
 * off and silently skips any command it cannot resolve. Compiled cmdlets are
 * listed under VisibleCmdlets, functions (the CIM-based Storage and
 * NetAdapter commands) under VisibleFunctions; JEA looks for each only under
 * its own key.
 */

/** The PowerShell module that holds the role capabilities on a node. */
export const JEA_MODULE_NAME = 'RemoteSupportHCI';
/** The base name of the session configurations; each level's endpoint is `RemoteSupport.HCI.<level>`. */
export const SESSION_CONFIGURATION_NAME = 'RemoteSupport.HCI';
/** Where JEA writes its own transcripts on the node unless the admin chooses otherwise. */
export const DEFAULT_TRANSCRIPT_DIRECTORY = 'C:\\ProgramData\\RemoteSupport\\Transcripts';

/** The folder of the agent module on a node; every agent file goes under it. */
export const MODULE_DIRECTORY = `C:\\Program Files\\WindowsPowerShell\\Modules\\${JEA_MODULE_NAME}`;
const AUTHOR = 'Remote Support for Azure Stack HCI';
const MODULE_VERSION = '1.1.0';
// Fixed namespace for the name-based GUIDs below, so that every build
// writes the same GUID for the same file.
const GUID_NAMESPACE = '6f1c7a52-0c4e-4c43-9a57-2f7b8a3d5e19';

/** What the session configurations need from the cluster admin. */
export interface JeaOptions {
  /**
   * The Active Directory group (DOMAIN\Group) of each level. Members of
   * either group may use the Diagnostics endpoint (and get Diagnostics
   * there); only members of the DiagnosticsRepair group may use the
   * DiagnosticsRepair endpoint. The gateway's account belongs to both.
   */
  groups: Record<AccessLevel, string>;
  /** Where JEA writes transcripts on the node; defaults to DEFAULT_TRANSCRIPT_DIRECTORY. */
  transcriptDirectory?: string;
}

/** One generated file and the path it goes to on a node. */
export interface JeaFile {
  path: string;
  content: string;
}

/** The endpoint (registered session configuration name) of a level: `RemoteSupport.HCI.Diagnostics`. */
export function endpointName(level: AccessLevel, base: string = SESSION_CONFIGURATION_NAME): string {
  return `${base}.${level}`;
}

/** Where a level's session configuration file goes on a node. */
export function sessionConfigurationPath(level: AccessLevel): string {
  return `${MODULE_DIRECTORY}\\${endpointName(level)}.pssc`;
}

/** Where the agent module's manifest goes on a node. */
export const MODULE_MANIFEST_PATH = `${MODULE_DIRECTORY}\\${JEA_MODULE_NAME}.psd1`;

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
  // eslint-disable-next-line no-control-regex -- finding control characters is the point of this pattern
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
  // eslint-disable-next-line no-control-regex -- finding control characters is the point of this pattern
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
  }
}

/**
 * One VisibleCmdlets or VisibleFunctions entry. Always the hashtable form:
 * a bare name would make every parameter visible (-ComputerName,
 * -CimSession, ...). An empty Parameters list leaves the command with no
 * parameters at all.
 */
function visibleCommand(entry: CommandEntry): string[] {
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

/** The commands one role capability lists: every command of its level and the levels below, in table order. */
export function commandsOfRoleCapability(level: AccessLevel): CommandEntry[] {
  const levels = levelsIncludedBy(level);
  return COMMAND_TABLE.filter((c) => levels.includes(c.level));
}

/** The modules a role capability imports: those providing its commands, in table order, each once. */
export function modulesOfRoleCapability(level: AccessLevel): NodeModule[] {
  return [...new Set(commandsOfRoleCapability(level).map((c) => c.module))];
}

function visibleList(key: string, entries: readonly CommandEntry[]): string[] {
  if (entries.length === 0) return [`    ${key} = @()`];
  const lines = [`    ${key} = @(`];
  for (const entry of entries) lines.push(...visibleCommand(entry));
  lines.push('    )');
  return lines;
}

/**
 * The text of the role capability (.psrc) of one access level: the modules
 * to import, and every command of the level and the levels below it, each
 * with exactly its table parameters and their ValidateSet /
 * ValidatePattern rules, cmdlets and functions under their own keys. The
 * text is the same on every call for the same table.
 */
export function roleCapabilityFile(level: AccessLevel): string {
  const name = roleCapabilityName(level);
  const commands = commandsOfRoleCapability(level);
  const lines = [
    comment(`${name}.psrc: generated from the command table of Remote Support for Azure Stack HCI. Do not edit by hand.`),
    '@{',
    `    GUID = ${powerShellLiteral(stableGuid(`role-capability/${name}`))}`,
    `    Author = ${powerShellLiteral(AUTHOR)}`,
    `    Description = ${powerShellLiteral(`The commands of the ${level} access level of Remote Support for Azure Stack HCI.`)}`,
    comment('JEA turns module autoloading off: every module a visible command comes from is imported here.'),
    `    ModulesToImport = ${modulesOfRoleCapability(level).map(powerShellLiteral).join(', ')}`,
    ...visibleList('VisibleCmdlets', commands.filter((c) => c.kind === 'cmdlet')),
    ...visibleList('VisibleFunctions', commands.filter((c) => c.kind === 'function')),
    '}',
    '',
  ];
  return lines.join('\r\n');
}

// DOMAIN\Group: a NetBIOS or DNS domain name, then a group name of letters,
// digits, spaces and . _ - ' ( ). Anything else (wildcards, quotes other
// than the apostrophe, control characters) is refused rather than quoted.
const GROUP_NAME = /^([A-Za-z0-9][A-Za-z0-9.-]{0,62})\\([A-Za-z0-9_(][A-Za-z0-9 ._'()-]{0,62}[A-Za-z0-9_)]|[A-Za-z0-9_])$/;
// Each segment excludes the separator, so the pattern cannot backtrack.
// eslint-disable-next-line no-control-regex -- finding control characters is the point of this pattern
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

/** The groups that may use a level's endpoint: that level's group and the groups of every level above it. */
export function groupsOfEndpoint(level: AccessLevel, groups: Record<AccessLevel, string>): string[] {
  return ACCESS_LEVELS.filter((l) => levelsIncludedBy(l).includes(level)).map((l) => groups[l]);
}

/**
 * The text of one level's session configuration (.pssc): a restricted
 * remote server (NoLanguage) that runs as a virtual account, writes JEA
 * transcripts, and gives every group allowed on it that level's role
 * capability and nothing more. Throws an Error naming the option when a
 * group is not in DOMAIN\Group form or the transcript folder is not usable.
 */
export function sessionConfigurationFile(level: AccessLevel, options: JeaOptions): string {
  const { groups, transcriptDirectory } = checkOptions(options);
  const name = endpointName(level);
  const lines = [
    comment(`${name}.pssc: generated from the command table of Remote Support for Azure Stack HCI. Do not edit by hand.`),
    '@{',
    `    SchemaVersion = ${powerShellLiteral('2.0.0.0')}`,
    `    GUID = ${powerShellLiteral(stableGuid(`session-configuration/${name}`))}`,
    `    Author = ${powerShellLiteral(AUTHOR)}`,
    `    Description = ${powerShellLiteral(`The JEA endpoint of the ${level} access level: remote support sessions at that level run their allowlisted commands through it.`)}`,
    `    SessionType = ${powerShellLiteral('RestrictedRemoteServer')}`,
    `    LanguageMode = ${powerShellLiteral('NoLanguage')}`,
    '    RunAsVirtualAccount = $true',
    `    TranscriptDirectory = ${powerShellLiteral(transcriptDirectory)}`,
    '    RoleDefinitions = @{',
  ];
  for (const group of groupsOfEndpoint(level, groups)) {
    lines.push(`        ${powerShellLiteral(group)} = @{ RoleCapabilities = ${powerShellLiteral(roleCapabilityName(level))} }`);
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
 * module manifest, one role capability per access level, and one session
 * configuration per access level (registered as `endpointName(level)`).
 */
export function jeaFiles(options: JeaOptions): JeaFile[] {
  const configurations = ACCESS_LEVELS.map((level) => ({ path: sessionConfigurationPath(level), content: sessionConfigurationFile(level, options) }));
  return [
    { path: MODULE_MANIFEST_PATH, content: moduleManifestFile() },
    ...ACCESS_LEVELS.map((level) => ({
      path: `${MODULE_DIRECTORY}\\RoleCapabilities\\${roleCapabilityName(level)}.psrc`,
      content: roleCapabilityFile(level),
    })),
    ...configurations,
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
