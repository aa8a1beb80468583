import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ACCESS_LEVELS, AccessLevel } from '../src/domain/access-level';
import { COMMAND_TABLE } from '../src/policy/command-table';
import {
  DEFAULT_TRANSCRIPT_DIRECTORY, dotNetPattern, jeaFiles, JeaOptions, powerShellLiteral, roleCapabilityFile, roleCapabilityName, sessionConfigurationFile, SESSION_CONFIGURATION_NAME,
} from '../src/policy/jea-files';

// ----------------------------------------------------------------- a reader for PowerShell data files

type PsValue = string | boolean | PsValue[] | PsTable;
interface PsTable { [key: string]: PsValue }

/**
 * Reads the subset of PowerShell's data language the generated files use:
 * @{ key = value; ... }, @( ... ), comma lists, single-quoted strings
 * ('' is a quote), $true / $false and # comments. Anything else throws, so
 * the test also proves the files stay inside that subset. Keys keep their
 * first spelling; a duplicate key (compared without case, as PowerShell
 * does) throws, as it would on the node.
 */
function readPowerShellData(text: string): PsValue {
  let i = 0;
  const fail = (what: string): never => {
    throw new Error(`${what} at offset ${i}: ${JSON.stringify(text.slice(i, i + 30))}`);
  };
  const skip = (newlines: boolean) => {
    for (;;) {
      const c = text[i];
      if (c === ' ' || c === '\t' || ((c === '\r' || c === '\n') && newlines)) i += 1;
      else if (c === '#') while (i < text.length && text[i] !== '\n') i += 1;
      else return;
    }
  };
  const str = (): string => {
    if (text[i] !== "'") fail('expected a single-quoted string');
    i += 1;
    let out = '';
    for (;;) {
      if (i >= text.length) fail('unterminated string');
      const c = text[i];
      if (c === "'" || c === '\u2018' || c === '\u2019' || c === '\u201a' || c === '\u201b') {
        const n = text[i + 1];
        if (n === "'" || n === '\u2018' || n === '\u2019' || n === '\u201a' || n === '\u201b') {
          out += c;
          i += 2;
          continue;
        }
        i += 1;
        return out;
      }
      out += c;
      i += 1;
    }
  };
  const single = (): PsValue => {
    skip(false);
    if (text.startsWith('@{', i)) return table();
    if (text.startsWith('@(', i)) return array();
    if (text.startsWith('$true', i)) return (i += 5), true;
    if (text.startsWith('$false', i)) return (i += 6), false;
    return str();
  };
  // A value, or a comma list of values (PowerShell's array without @()).
  const value = (): PsValue => {
    const first = single();
    skip(false);
    if (text[i] !== ',') return first;
    const items = [first];
    while (text[i] === ',') {
      i += 1;
      skip(true);
      items.push(single());
      skip(false);
    }
    return items;
  };
  const array = (): PsValue[] => {
    i += 2;
    const items: PsValue[] = [];
    for (;;) {
      skip(true);
      if (text[i] === ')') return (i += 1), items;
      // @( ) collects the output of its statements: a comma list or a nested @( ) is unrolled.
      const v = value();
      if (Array.isArray(v)) items.push(...v);
      else items.push(v);
      skip(false);
      if (text[i] === ';') i += 1;
    }
  };
  const table = (): PsTable => {
    i += 2;
    const out: PsTable = {};
    const seen = new Set<string>();
    for (;;) {
      skip(true);
      if (text[i] === '}') return (i += 1), out;
      let key: string;
      if (text[i] === "'") key = str();
      else {
        const m = /^[A-Za-z][A-Za-z0-9]*/.exec(text.slice(i));
        if (!m) fail('expected a key');
        key = m![0];
        i += key.length;
      }
      if (seen.has(key.toLowerCase())) fail(`duplicate key ${key}`);
      seen.add(key.toLowerCase());
      skip(false);
      if (text[i] !== '=') fail('expected =');
      i += 1;
      out[key] = value();
      skip(false);
      if (text[i] === ';') i += 1;
      else if (text[i] !== '\r' && text[i] !== '\n' && text[i] !== '}') fail('expected ; or a line break');
    }
  };
  skip(true);
  const result = single();
  skip(true);
  if (i !== text.length) fail('trailing text');
  return result;
}

const asTable = (v: PsValue | undefined): PsTable => {
  assert.ok(v !== undefined && typeof v === 'object' && !Array.isArray(v), `expected a hashtable, got ${JSON.stringify(v)}`);
  return v as PsTable;
};
const asList = (v: PsValue | undefined): PsValue[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

const OPTIONS: JeaOptions = { groups: { Diagnostics: 'CONTOSO\\RemoteSupport-Diagnostics', DiagnosticsRepair: 'CONTOSO\\RemoteSupport-Repair' } };

// ----------------------------------------------------------------- tests

describe('role capability files', () => {
  for (const level of ACCESS_LEVELS) {
    it(`list exactly the ${level} cmdlets of the table, each with exactly its parameters and rules`, () => {
      const psrc = asTable(readPowerShellData(roleCapabilityFile(level)));
      const visible = asList(psrc.VisibleCmdlets).map(asTable);
      const expected = COMMAND_TABLE.filter((c) => c.level === level);
      assert.deepEqual(visible.map((v) => v.Name), expected.map((c) => c.name));
      for (const entry of expected) {
        const cmdlet = visible.find((v) => v.Name === entry.name)!;
        assert.deepEqual(Object.keys(cmdlet), ['Name', 'Parameters'], `${entry.name} is restricted by a Parameters list`);
        const parameters = asList(cmdlet.Parameters).map(asTable);
        assert.deepEqual(parameters.map((p) => p.Name), entry.parameters.map((p) => p.name), `${entry.name} shows exactly its table parameters`);
        for (const spec of entry.parameters) {
          const p = parameters.find((x) => x.Name === spec.name)!;
          const rule = spec.rule;
          if (rule.kind === 'switch') assert.deepEqual(p, { Name: spec.name });
          else if (rule.kind === 'set') assert.deepEqual({ ...p, ValidateSet: asList(p.ValidateSet) }, { Name: spec.name, ValidateSet: [...rule.values] });
          else if (rule.kind === 'pattern') assert.deepEqual(p, { Name: spec.name, ValidatePattern: dotNetPattern(rule.pattern) });
          else assert.deepEqual(p, { Name: spec.name, ValidatePattern: '^-?[0-9]{1,15}$' });
        }
      }
    });
  }

  it('give cmdlets without table parameters an empty Parameters list, never a bare name that would expose all of them', () => {
    const psrc = asTable(readPowerShellData(roleCapabilityFile('Diagnostics')));
    const visible = asList(psrc.VisibleCmdlets);
    assert.ok(visible.every((v) => typeof v === 'object' && !Array.isArray(v)), 'no bare cmdlet names');
    const cluster = visible.map(asTable).find((v) => v.Name === 'Get-Cluster')!;
    assert.deepEqual(cluster.Parameters, []);
  });

  it('name every table cmdlet in exactly one role capability', () => {
    const names = ACCESS_LEVELS.flatMap((level) => asList(asTable(readPowerShellData(roleCapabilityFile(level))).VisibleCmdlets).map((v) => asTable(v).Name));
    assert.deepEqual([...names].sort(), COMMAND_TABLE.map((c) => c.name).sort());
  });

  it('carry a stable GUID that differs per level', () => {
    const guids = ACCESS_LEVELS.map((level) => asTable(readPowerShellData(roleCapabilityFile(level))).GUID);
    for (const guid of guids) assert.match(String(guid), /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.notEqual(guids[0], guids[1]);
    assert.equal(roleCapabilityFile('Diagnostics'), roleCapabilityFile('Diagnostics'));
  });

  it('have an author and a description', () => {
    for (const level of ACCESS_LEVELS) {
      const psrc = asTable(readPowerShellData(roleCapabilityFile(level)));
      assert.equal(typeof psrc.Author, 'string');
      assert.ok(String(psrc.Description).includes(level));
    }
  });
});

describe('the session configuration file', () => {
  const pssc = asTable(readPowerShellData(sessionConfigurationFile(OPTIONS)));

  it('is a restricted remote server with no language, run as a virtual account', () => {
    assert.equal(pssc.SessionType, 'RestrictedRemoteServer');
    assert.equal(pssc.LanguageMode, 'NoLanguage');
    assert.equal(pssc.RunAsVirtualAccount, true);
    assert.equal(pssc.SchemaVersion, '2.0.0.0');
    assert.match(String(pssc.GUID), /^[0-9a-f-]{36}$/);
  });

  it('writes transcripts to the default folder unless told otherwise', () => {
    assert.equal(pssc.TranscriptDirectory, 'C:\\ProgramData\\RemoteSupport\\Transcripts');
    assert.equal(pssc.TranscriptDirectory, DEFAULT_TRANSCRIPT_DIRECTORY);
    const custom = asTable(readPowerShellData(sessionConfigurationFile({ ...OPTIONS, transcriptDirectory: 'D:\\Audit\\JEA' })));
    assert.equal(custom.TranscriptDirectory, 'D:\\Audit\\JEA');
  });

  it('maps each group to its level and every level below it', () => {
    assert.deepEqual(pssc.RoleDefinitions, {
      'CONTOSO\\RemoteSupport-Diagnostics': { RoleCapabilities: 'RemoteSupport.Diagnostics' },
      'CONTOSO\\RemoteSupport-Repair': { RoleCapabilities: ['RemoteSupport.Diagnostics', 'RemoteSupport.DiagnosticsRepair'] },
    });
  });

  it('quotes a group name with an apostrophe so that it reads back unchanged', () => {
    const text = sessionConfigurationFile({ groups: { Diagnostics: "CONTOSO\\O'Brien Support", DiagnosticsRepair: 'CONTOSO\\Repair' } });
    assert.ok(text.includes("'CONTOSO\\O''Brien Support' = @{"));
    const roles = asTable(asTable(readPowerShellData(text)).RoleDefinitions);
    assert.deepEqual(Object.keys(roles), ["CONTOSO\\O'Brien Support", 'CONTOSO\\Repair']);
  });

  it('is the same text for the same options', () => {
    assert.equal(sessionConfigurationFile(OPTIONS), sessionConfigurationFile({ groups: { ...OPTIONS.groups } }));
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
      assert.throws(() => sessionConfigurationFile(options), message);
      assert.throws(() => jeaFiles(options), message);
    });
  }

  it('refuses a long, hostile transcript folder quickly', () => {
    const started = Date.now();
    assert.throws(() => sessionConfigurationFile({ ...OPTIONS, transcriptDirectory: `C:\\${'a\\'.repeat(100)}<` }), /transcriptDirectory/);
    assert.ok(Date.now() - started < 100);
  });
});

describe('the list of JEA files', () => {
  const files = jeaFiles(OPTIONS);

  it('places the module manifest, one role capability per level and the session configuration on the node', () => {
    const module = 'C:\\Program Files\\WindowsPowerShell\\Modules\\RemoteSupportHCI';
    assert.deepEqual(files.map((f) => f.path), [
      `${module}\\RemoteSupportHCI.psd1`,
      `${module}\\RoleCapabilities\\RemoteSupport.Diagnostics.psrc`,
      `${module}\\RoleCapabilities\\RemoteSupport.DiagnosticsRepair.psrc`,
      `${module}\\${SESSION_CONFIGURATION_NAME}.pssc`,
    ]);
  });

  it('holds the same role capability text as roleCapabilityFile', () => {
    for (const level of ACCESS_LEVELS) {
      assert.equal(files.find((f) => f.path.endsWith(`\\${roleCapabilityName(level)}.psrc`))?.content, roleCapabilityFile(level));
    }
  });

  it('holds files that all read as PowerShell data, and a module manifest that exports nothing', () => {
    for (const f of files) readPowerShellData(f.content);
    const manifest = asTable(readPowerShellData(files[0].content));
    assert.equal(manifest.ModuleVersion, '1.0.0');
    for (const key of ['FunctionsToExport', 'CmdletsToExport', 'VariablesToExport', 'AliasesToExport']) assert.deepEqual(manifest[key], []);
  });

  it('is the same on every call', () => {
    assert.deepEqual(jeaFiles(OPTIONS), files);
  });
});

describe('PowerShell string literals', () => {
  it('double every single quote, the curly ones included, since PowerShell reads those as quotes too', () => {
    assert.equal(powerShellLiteral("O'Brien"), "'O''Brien'");
    assert.equal(powerShellLiteral('a\u2019b'), "'a\u2019\u2019b'");
    assert.equal(readPowerShellData(powerShellLiteral("it's \u2018x\u2019")), "it's \u2018x\u2019");
  });

  it('keep backslashes and dollar signs literal', () => {
    assert.equal(powerShellLiteral('C:\\$x'), "'C:\\$x'");
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
