import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { moduleFilePathProblem, moduleFiles, moduleSourceDirectory, NODE_MODULE_DIRECTORY } from '../src/cluster/node-module';
import { ACCESS_LEVELS, AccessLevel, levelsIncludedBy } from '../src/domain/access-level';
import { powershellRoot } from '../src/executors/powershell-files';
import { COMMAND_TABLE } from '../src/policy/command-table';
import {
  commandsOfRoleCapability, DEFAULT_TRANSCRIPT_DIRECTORY, dotNetPattern, endpointName, jeaFiles, JeaOptions, modulesOfRoleCapability, powerShellLiteral,
  roleCapabilityFile, roleCapabilityName, sessionConfigurationFile,
} from '../src/policy/jea-files';
import { pwshJson } from './helpers/pwsh';

// ----------------------------------------------------------------- PowerShell's own reader

type PsValue = string | boolean | number | null | PsValue[] | PsTable;
interface PsTable { [key: string]: PsValue }

interface DataFileReport {
  files: { path: string; data: PsTable | null; error: string | null }[];
  sessionConfigurationKeys: string[];
  roleCapabilityKeys: string[];
  testSessionConfigurationFile: boolean;
  valid: { path: string; valid: boolean }[];
}

const READ_DATA_FILES = join(powershellRoot(), 'test', 'Read-DataFiles.ps1');
let scratch: string;
let counter = 0;

/** Reads texts as PowerShell data files with real pwsh's Import-PowerShellDataFile, in one process. */
async function readWithPowerShell(texts: { name: string; text: string }[]): Promise<DataFileReport & { byName: Map<string, PsTable> }> {
  const paths = texts.map(({ name, text }) => {
    const path = join(scratch, `${counter++}-${name}`);
    writeFileSync(path, text);
    return path;
  });
  const report = await pwshJson<DataFileReport>(READ_DATA_FILES, { files: paths });
  const byName = new Map<string, PsTable>();
  report.files.forEach((f, i) => {
    assert.equal(f.error, null, `${texts[i].name} reads as PowerShell data: ${f.error}`);
    byName.set(texts[i].name, f.data!);
  });
  return { ...report, byName };
}

const asTable = (v: PsValue | undefined): PsTable => {
  assert.ok(v !== undefined && v !== null && typeof v === 'object' && !Array.isArray(v), `expected a hashtable, got ${JSON.stringify(v)}`);
  return v as PsTable;
};
const asList = (v: PsValue | undefined): PsValue[] => (v === undefined || v === null ? [] : Array.isArray(v) ? v : [v]);

const OPTIONS: JeaOptions = { groups: { Diagnostics: 'CONTOSO\\RemoteSupport-Diagnostics', DiagnosticsRepair: 'CONTOSO\\RemoteSupport-Repair' } };

let report: Awaited<ReturnType<typeof readWithPowerShell>>;
const psrc = (level: AccessLevel) => asTable(report.byName.get(`${level}.psrc`));
const pssc = (level: AccessLevel) => asTable(report.byName.get(`${level}.pssc`));

before(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'jea-files-'));
  report = await readWithPowerShell([
    ...ACCESS_LEVELS.map((level) => ({ name: `${level}.psrc`, text: roleCapabilityFile(level) })),
    ...ACCESS_LEVELS.map((level) => ({ name: `${level}.pssc`, text: sessionConfigurationFile(level, OPTIONS) })),
    ...jeaFiles(OPTIONS).map((f, i) => ({ name: `file-${i}${f.path.slice(f.path.lastIndexOf('.'))}`, text: f.content })),
    { name: 'custom.pssc', text: sessionConfigurationFile('Diagnostics', { ...OPTIONS, transcriptDirectory: 'D:\\Audit\\JEA' }) },
    { name: 'apostrophe.pssc', text: sessionConfigurationFile('Diagnostics', { groups: { Diagnostics: "CONTOSO\\O'Brien Support", DiagnosticsRepair: 'CONTOSO\\Repair' } }) },
    { name: 'module.psd1', text: readFileSync(join(moduleSourceDirectory(), 'AzStackHCI.RemoteSupport.psd1'), 'utf8') },
    { name: 'literals.psd1', text: `@{ A = ${powerShellLiteral("it's \u2018x\u2019")}; B = ${powerShellLiteral('C:\\$x')} }` },
  ]);
});
after(() => rmSync(scratch, { recursive: true, force: true }));

// ----------------------------------------------------------------- tests

describe('role capability files, read by PowerShell', () => {
  for (const level of ACCESS_LEVELS) {
    it(`list every ${level} command of the table (its level and below), each with exactly its parameters and rules`, () => {
      const file = psrc(level);
      const expected = COMMAND_TABLE.filter((c) => levelsIncludedBy(level).includes(c.level));
      assert.deepEqual(commandsOfRoleCapability(level), expected);
      for (const [key, kind] of [['VisibleCmdlets', 'cmdlet'], ['VisibleFunctions', 'function']] as const) {
        const visible = asList(file[key]).map(asTable);
        const entries = expected.filter((c) => c.kind === kind);
        assert.deepEqual(visible.map((v) => v.Name), entries.map((c) => c.name), `${key} of ${level}`);
        for (const entry of entries) {
          const command = visible.find((v) => v.Name === entry.name)!;
          assert.deepEqual(Object.keys(command).sort(), ['Name', 'Parameters'], `${entry.name} is restricted by a Parameters list`);
          const parameters = asList(command.Parameters).map(asTable);
          assert.deepEqual(parameters.map((p) => p.Name), entry.parameters.map((p) => p.name), `${entry.name} shows exactly its table parameters`);
          for (const spec of entry.parameters) {
            const p = parameters.find((x) => x.Name === spec.name)!;
            const rule = spec.rule;
            if (rule.kind === 'switch') assert.deepEqual(p, { Name: spec.name });
            else if (rule.kind === 'set') assert.deepEqual({ ...p, ValidateSet: asList(p.ValidateSet) }, { Name: spec.name, ValidateSet: [...rule.values] });
            else if (rule.kind === 'pattern') assert.deepEqual(p, { Name: spec.name, ValidatePattern: dotNetPattern(rule.pattern) });
            else assert.deepEqual(p, { Name: spec.name, ValidatePattern: '^-?[0-9]{1,15}\\z' });
          }
        }
      }
    });

    it(`import every module the ${level} commands come from, since JEA does not autoload`, () => {
      const modules = asList(psrc(level).ModulesToImport);
      assert.deepEqual(modules, modulesOfRoleCapability(level));
      for (const entry of commandsOfRoleCapability(level)) assert.ok(modules.includes(entry.module), `${entry.name} comes from ${entry.module}`);
    });
  }

  it('list the CIM-based Storage and NetAdapter commands as functions and the rest as cmdlets', () => {
    const functions = asList(psrc('DiagnosticsRepair').VisibleFunctions).map((v) => asTable(v).Name);
    assert.ok(functions.includes('Get-PhysicalDisk') && functions.includes('Get-NetAdapter') && functions.includes('Repair-VirtualDisk'));
    const cmdlets = asList(psrc('DiagnosticsRepair').VisibleCmdlets).map((v) => asTable(v).Name);
    assert.ok(cmdlets.includes('Get-VM') && cmdlets.includes('Restart-Service') && !cmdlets.includes('Get-PhysicalDisk'));
  });

  it('give commands without table parameters an empty Parameters list, never a bare name that would expose all of them', () => {
    const visible = asList(psrc('Diagnostics').VisibleCmdlets);
    assert.ok(visible.every((v) => typeof v === 'object' && !Array.isArray(v)), 'no bare command names');
    const cluster = visible.map(asTable).find((v) => v.Name === 'Get-Cluster')!;
    assert.deepEqual(asList(cluster.Parameters), []);
  });

  it('keep repair commands out of the Diagnostics capability', () => {
    const names = [...asList(psrc('Diagnostics').VisibleCmdlets), ...asList(psrc('Diagnostics').VisibleFunctions)].map((v) => asTable(v).Name);
    for (const entry of COMMAND_TABLE.filter((c) => c.level === 'DiagnosticsRepair')) assert.ok(!names.includes(entry.name), entry.name);
  });

  it('use only keys that New-PSRoleCapabilityFile knows', () => {
    for (const level of ACCESS_LEVELS) {
      for (const key of Object.keys(psrc(level))) assert.ok(report.roleCapabilityKeys.some((k) => k.toLowerCase() === key.toLowerCase()), `${key} is a role capability key`);
    }
  });

  it('carry a stable GUID that differs per level', () => {
    const guids = ACCESS_LEVELS.map((level) => psrc(level).GUID);
    for (const guid of guids) assert.match(String(guid), /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.notEqual(guids[0], guids[1]);
    assert.equal(roleCapabilityFile('Diagnostics'), roleCapabilityFile('Diagnostics'));
  });

  it('have an author and a description', () => {
    for (const level of ACCESS_LEVELS) {
      assert.equal(typeof psrc(level).Author, 'string');
      assert.ok(String(psrc(level).Description).includes(level));
    }
  });
});

describe('the session configuration files, read by PowerShell', () => {
  it('are restricted remote servers with no language, run as a virtual account', () => {
    for (const level of ACCESS_LEVELS) {
      const file = pssc(level);
      assert.equal(file.SessionType, 'RestrictedRemoteServer');
      assert.equal(file.LanguageMode, 'NoLanguage');
      assert.equal(file.RunAsVirtualAccount, true);
      assert.equal(file.SchemaVersion, '2.0.0.0');
      assert.match(String(file.GUID), /^[0-9a-f-]{36}$/);
    }
    assert.notEqual(pssc('Diagnostics').GUID, pssc('DiagnosticsRepair').GUID);
  });

  it('use only keys that New-PSSessionConfigurationFile knows (Test-PSSessionConfigurationFile is Windows-only)', () => {
    for (const level of ACCESS_LEVELS) {
      for (const key of Object.keys(pssc(level))) assert.ok(report.sessionConfigurationKeys.some((k) => k.toLowerCase() === key.toLowerCase()), `${key} is a session configuration key`);
    }
    if (report.testSessionConfigurationFile) for (const v of report.valid) assert.equal(v.valid, true, v.path);
  });

  it('write transcripts to the default folder unless told otherwise', () => {
    assert.equal(pssc('Diagnostics').TranscriptDirectory, 'C:\\ProgramData\\RemoteSupport\\Transcripts');
    assert.equal(pssc('Diagnostics').TranscriptDirectory, DEFAULT_TRANSCRIPT_DIRECTORY);
    assert.equal(asTable(report.byName.get('custom.pssc')).TranscriptDirectory, 'D:\\Audit\\JEA');
  });

  it('give every group allowed on an endpoint that endpoint\'s level and nothing more', () => {
    assert.deepEqual(pssc('Diagnostics').RoleDefinitions, {
      'CONTOSO\\RemoteSupport-Diagnostics': { RoleCapabilities: 'RemoteSupport.Diagnostics' },
      'CONTOSO\\RemoteSupport-Repair': { RoleCapabilities: 'RemoteSupport.Diagnostics' },
    });
    assert.deepEqual(pssc('DiagnosticsRepair').RoleDefinitions, {
      'CONTOSO\\RemoteSupport-Repair': { RoleCapabilities: 'RemoteSupport.DiagnosticsRepair' },
    });
  });

  it('quote a group name with an apostrophe so that it reads back unchanged', () => {
    const text = sessionConfigurationFile('Diagnostics', { groups: { Diagnostics: "CONTOSO\\O'Brien Support", DiagnosticsRepair: 'CONTOSO\\Repair' } });
    assert.ok(text.includes("'CONTOSO\\O''Brien Support' = @{"));
    const roles = asTable(asTable(report.byName.get('apostrophe.pssc')).RoleDefinitions);
    assert.deepEqual(Object.keys(roles).sort(), ["CONTOSO\\O'Brien Support", 'CONTOSO\\Repair']);
  });

  it('are the same text for the same options', () => {
    assert.equal(sessionConfigurationFile('Diagnostics', OPTIONS), sessionConfigurationFile('Diagnostics', { groups: { ...OPTIONS.groups } }));
  });
});

describe('the options of the JEA files', () => {
  const refused: [string, JeaOptions, RegExp][] = [
    ['a group without a domain', { groups: { Diagnostics: 'RemoteSupport', DiagnosticsRepair: 'CONTOSO\\Repair' } }, /groups\.Diagnostics must be an Active Directory group in DOMAIN\\Group form/],
    ['a group with a wildcard', { groups: { Diagnostics: 'CONTOSO\\Support*', DiagnosticsRepair: 'CONTOSO\\Repair' } }, /groups\.Diagnostics/],
    ['a group with a line break', { groups: { Diagnostics: 'CONTOSO\\Diag', DiagnosticsRepair: "CONTOSO\\Repair'\n}" } }, /groups\.DiagnosticsRepair/],
    ['an empty group', { groups: { Diagnostics: '', DiagnosticsRepair: 'CONTOSO\\Repair' } }, /groups\.Diagnostics/],
    ['a group with two backslashes', { groups: { Diagnostics: 'CONTOSO\\\\Diag', DiagnosticsRepair: 'CONTOSO\\Repair' } }, /groups\.Diagnostics/],
    ['a missing level', { groups: { Diagnostics: 'CONTOSO\\Diag' } as Record<AccessLevel, string> }, /groups\.DiagnosticsRepair/],
    ['the same group for both levels', { groups: { Diagnostics: 'CONTOSO\\Support', DiagnosticsRepair: 'contoso\\support' } }, /Each access level needs its own group/],
    ['a relative transcript folder', { ...OPTIONS, transcriptDirectory: 'Transcripts' }, /transcriptDirectory must be an absolute Windows folder/],
    ['a transcript folder that climbs', { ...OPTIONS, transcriptDirectory: 'C:\\ProgramData\\..\\Windows' }, /transcriptDirectory/],
    ['a UNC transcript folder', { ...OPTIONS, transcriptDirectory: '\\\\server\\share' }, /transcriptDirectory/],
  ];
  for (const [what, options, message] of refused) {
    it(`refuses ${what} with a message naming the option`, () => {
      for (const level of ACCESS_LEVELS) assert.throws(() => sessionConfigurationFile(level, options), message);
      assert.throws(() => jeaFiles(options), message);
    });
  }

  // How fast is bench/policy.mjs's to measure (npm run bench).
  it('refuses a long, hostile transcript folder', () => {
    assert.throws(() => sessionConfigurationFile('Diagnostics', { ...OPTIONS, transcriptDirectory: `C:\\${'a\\'.repeat(100)}<` }), /transcriptDirectory/);
  });
});

describe('the list of JEA files', () => {
  const files = jeaFiles(OPTIONS);

  it('places the module manifest, one role capability and one session configuration per level on the node', () => {
    const module = 'C:\\Program Files\\WindowsPowerShell\\Modules\\RemoteSupportHCI';
    assert.deepEqual(files.map((f) => f.path), [
      `${module}\\RemoteSupportHCI.psd1`,
      `${module}\\RoleCapabilities\\RemoteSupport.Diagnostics.psrc`,
      `${module}\\RoleCapabilities\\RemoteSupport.DiagnosticsRepair.psrc`,
      `${module}\\RemoteSupport.HCI.Diagnostics.pssc`,
      `${module}\\RemoteSupport.HCI.DiagnosticsRepair.pssc`,
    ]);
    assert.deepEqual(ACCESS_LEVELS.map((l) => endpointName(l)), ['RemoteSupport.HCI.Diagnostics', 'RemoteSupport.HCI.DiagnosticsRepair']);
  });

  it('holds the same role capability text as roleCapabilityFile', () => {
    for (const level of ACCESS_LEVELS) {
      assert.equal(files.find((f) => f.path.endsWith(`\\${roleCapabilityName(level)}.psrc`))?.content, roleCapabilityFile(level));
    }
  });

  it('holds files that all read as PowerShell data, and a module manifest that exports nothing', () => {
    const manifest = asTable(report.byName.get('file-0.psd1'));
    assert.equal(manifest.ModuleVersion, '1.1.0');
    for (const key of ['FunctionsToExport', 'CmdletsToExport', 'VariablesToExport', 'AliasesToExport']) assert.deepEqual(asList(manifest[key]), []);
  });

  it('is the same on every call', () => {
    assert.deepEqual(jeaFiles(OPTIONS), files);
  });
});

describe('the module files the agent install deploys', () => {
  it('are every file of powershell/module/AzStackHCI.RemoteSupport, byte for byte, directly in the node\'s module folder', () => {
    const source = moduleSourceDirectory();
    const files = moduleFiles();
    assert.deepEqual(files.map((f) => f.path), readdirSync(source).sort().map((name) => `${NODE_MODULE_DIRECTORY}\\${name}`));
    for (const f of files) {
      assert.ok(Buffer.from(f.content, 'utf8').equals(readFileSync(join(source, f.path.slice(NODE_MODULE_DIRECTORY.length + 1)))), `${f.path} is byte-equal`);
      assert.equal(moduleFilePathProblem(f.path), null);
    }
  });

  it('are exactly the FileList of the module\'s manifest, as PowerShell reads it', () => {
    const manifest = asTable(report.byName.get('module.psd1'));
    assert.deepEqual(asList(manifest.FileList).map(String).sort(), moduleFiles().map((f) => f.path.slice(NODE_MODULE_DIRECTORY.length + 1)).sort());
  });

  it('refuse a module folder holding anything else: a script, a subfolder', () => {
    for (const [name, folder] of [['Install.ps1', false], ['Private', true], ['x.dll', false]] as const) {
      const dir = mkdtempSync(join(tmpdir(), 'module-src-'));
      try {
        writeFileSync(join(dir, 'AzStackHCI.RemoteSupport.psd1'), '@{}');
        if (folder) mkdirSync(join(dir, name));
        else writeFileSync(join(dir, name), 'x');
        assert.throws(() => moduleFiles(dir), new RegExp(`holds ${name.replace('.', '\\.')}, which the agent install does not deploy`));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
  });
});

describe('PowerShell string literals', () => {
  it('double every single quote, the curly ones included, since PowerShell reads those as quotes too', () => {
    assert.equal(powerShellLiteral("O'Brien"), "'O''Brien'");
    assert.equal(powerShellLiteral('a\u2019b'), "'a\u2019\u2019b'");
    assert.equal(asTable(report.byName.get('literals.psd1')).A, "it's \u2018x\u2019");
  });

  it('keep backslashes and dollar signs literal', () => {
    assert.equal(powerShellLiteral('C:\\$x'), "'C:\\$x'");
    assert.equal(asTable(report.byName.get('literals.psd1')).B, 'C:\\$x');
  });

  it('refuse line breaks and control characters', () => {
    assert.throws(() => powerShellLiteral('a\nb'), /control characters or line breaks/);
    assert.throws(() => powerShellLiteral('a\u0000'), /control characters/);
  });
});

describe('patterns in JEA files', () => {
  it('anchor at the very end (\\z), so .NET cannot accept a value with a trailing line feed', () => {
    assert.equal(dotNetPattern('^[a-z]+$'), '^[a-z]+\\z');
    assert.ok(!roleCapabilityFile('Diagnostics').includes("$'"), 'no ValidatePattern ends with $');
  });
});
