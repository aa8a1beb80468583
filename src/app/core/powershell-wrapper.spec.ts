import { spawnSync } from 'child_process';
import { existsSync } from 'fs';
import { homedir } from 'os';
import { delimiter, join } from 'path';
import { GatewayError } from './gateway-error';
import { CmdletCall, cmdletCalls, MODULE_MISSING_CODE, powerShellCommand, readWrapperResult } from './powershell-commands';

/**
 * The wrapper script (powershell/extension/Invoke-RemoteSupportCommand.ps1) under
 * real pwsh, run as the script text the extension sends (the request inside
 * it as base64, nothing bound as parameters), against a stand-in AzStackHCI.RemoteSupport module with
 * the real one's parameter attributes and error conventions
 * (powershell/test/extension-stub). What it prints is read by the same code the
 * PowerShell transport uses.
 */
const root = join(__dirname, '..', '..', '..');
const runner = join(root, 'powershell', 'test', 'extension-stub', 'Invoke-Wrapper.ps1');
const stubModules = join(root, 'powershell', 'test', 'extension-stub');
const CLUSTER = 'hci-cl01.contoso.local';
const messages = { moduleMissing: 'module missing', unreachable: 'unreachable' };

function findPwsh(): string {
  const candidates = [process.env['PWSH'], join(homedir(), '.dotnet', 'tools', 'pwsh'), ...(process.env['PATH'] ?? '').split(delimiter).map((d) => join(d, 'pwsh'))];
  const found = candidates.find((c): c is string => !!c && existsSync(c));
  if (!found) throw new Error('pwsh not found (set PWSH, or run `npm test` once: it installs PowerShell 7 as a .NET tool)');
  return found;
}

interface RunOutput {
  output: string[];
  error?: string;
}

/** Runs each call in one pwsh process; the stand-in module is found only when `withModule`. */
function runAll(calls: Array<{ script: string; parameters?: unknown }>, withModule: boolean): RunOutput[] {
  // The command's script text alone, nothing bound: its request travels inside the text.
  const input = calls.map((c) => JSON.stringify({ text: c.script })).join('\n') + '\n';
  const env = { ...process.env, PSModulePath: withModule ? stubModules : join(root, 'no-modules-here') };
  const result = spawnSync(findPwsh(), ['-NoProfile', '-NonInteractive', '-File', runner], { input, env, encoding: 'utf8', timeout: 60_000 });
  if (result.status !== 0) throw new Error(`pwsh failed (${result.status}): ${result.stderr}`);
  const lines = result.stdout.split('\n').filter((l) => l.trim().startsWith('{'));
  expect(lines).toHaveLength(calls.length);
  return lines.map((l) => JSON.parse(l) as RunOutput);
}

const read = (out: RunOutput): unknown[] => readWrapperResult({ results: out.output }, messages);
const failure = (out: RunOutput): GatewayError => {
  try {
    read(out);
  } catch (e) {
    return e as GatewayError;
  }
  throw new Error(`expected an error, got ${JSON.stringify(out)}`);
};

describe('the wrapper script under real pwsh', () => {
  const injection = "CASE-1'; Remove-Item -Recurse C:\\ ; $(Write-Output pwned) \"x\"";
  const calls: Record<string, CmdletCall> = {
    status: cmdletCalls.status(),
    tooLong: cmdletCalls.grant({ accessLevel: 'Diagnostics', expireInMinutes: 20161, agreeToRemoteSupportConsent: true }),
    tooShort: cmdletCalls.grant({ accessLevel: 'Diagnostics', expireInMinutes: 59, agreeToRemoteSupportConsent: true }),
    unknownLevel: cmdletCalls.grant({ accessLevel: 'Everything' as never, agreeToRemoteSupportConsent: true }),
    noConsent: cmdletCalls.grant({ accessLevel: 'Diagnostics', agreeToRemoteSupportConsent: false }),
    injection: cmdletCalls.grant({ accessLevel: 'DiagnosticsRepair', expireInMinutes: 20160, agreeToRemoteSupportConsent: true, supportCaseNumber: injection }),
    catalogError: cmdletCalls.grant({ accessLevel: 'Diagnostics', agreeToRemoteSupportConsent: true, supportCaseNumber: 'bad case' }),
    writtenError: cmdletCalls.grant({ accessLevel: 'Diagnostics', agreeToRemoteSupportConsent: true, supportCaseNumber: 'written error' }),
    revoke: cmdletCalls.revoke(),
    allGrants: cmdletCalls.access(true),
    noGrants: cmdletCalls.access(false),
    exportText: cmdletCalls.exportTranscript('s-1', 'text'),
    notInModule: cmdletCalls.operation('op-1'),
  };
  const names = Object.keys(calls);
  let outputs: Record<string, RunOutput>;
  let withoutModule: RunOutput[];

  beforeAll(() => {
    const results = runAll(
      names.map((n) => powerShellCommand(CLUSTER, calls[n]!)),
      true,
    );
    outputs = Object.fromEntries(names.map((n, i) => [n, results[i]!]));
    withoutModule = runAll([powerShellCommand(CLUSTER, cmdletCalls.status()), powerShellCommand(CLUSTER, { cmdlet: 'Remove-Item' as never, arguments: { Path: '/' }, changes: true })], false);
  }, 120_000);

  it('prints one JSON string whose data keeps the API\'s field names and ISO times as strings', () => {
    expect(outputs['status']!.output).toHaveLength(1);
    const [status] = read(outputs['status']!) as Array<Record<string, unknown>>;
    expect(status).toMatchObject({ cluster: CLUSTER, registered: true, now: '2026-11-25T12:00:00.000Z', activeGrant: null, liveSessions: [] });
  });

  it('has PowerShell refuse 20161 and 59 minutes, named as the API field with the catalog code', () => {
    for (const name of ['tooLong', 'tooShort']) {
      expect(failure(outputs[name]!)).toMatchObject({ code: 'InvalidExpireInMinutes', field: 'expireInMinutes', allowed: 'an integer from 60 to 20160' });
    }
  });

  it('has PowerShell refuse an unknown level and a missing consent', () => {
    expect(failure(outputs['unknownLevel']!)).toMatchObject({ code: 'InvalidAccessLevel', field: 'accessLevel' });
    expect(failure(outputs['noConsent']!)).toMatchObject({ code: 'ConsentRequired', field: 'agreeToRemoteSupportConsent' });
  });

  it('passes a value full of PowerShell syntax verbatim, as data: nothing in it ran', () => {
    const [result] = read(outputs['injection']!) as Array<{ grant: { supportCaseNumber: string; accessLevel: string; expireInMinutes: number } }>;
    expect(result!.grant).toEqual({ accessLevel: 'DiagnosticsRepair', expireInMinutes: 20160, supportCaseNumber: injection, grantedAt: '2026-11-25T12:00:00.000Z' });
  });

  it('carries the module\'s catalog error (Exception.Data) through, thrown or written', () => {
    expect(failure(outputs['catalogError']!)).toMatchObject({ code: 'InvalidSupportCaseNumber', field: 'supportCaseNumber', allowed: 'letters, digits and -, 1 to 64 characters' });
    expect(failure(outputs['writtenError']!)).toMatchObject({ code: 'NoActiveGrant', field: null });
  });

  it('revokes without a confirmation prompt (the admin confirmed in the extension)', () => {
    expect(read(outputs['revoke']!)).toEqual([{ revoked: null, sessionsEnded: 0 }]);
  });

  it('gives lists as arrays, empty ones too', () => {
    expect((read(outputs['allGrants']!) as Array<{ id: string }>).map((g) => g.id)).toEqual(['g-1', 'g-2']);
    expect(read(outputs['noGrants']!)).toEqual([]);
  });

  it('gives an export\'s text exactly', () => {
    expect(read(outputs['exportText']!)).toEqual(['Remote support session s-1\n  "quoted" & <tags> $notAVariable']);
  });

  it('says the module is missing, or lacks a cmdlet, rather than failing obscurely', () => {
    expect(failure(outputs['notInModule']!).code).toBe(MODULE_MISSING_CODE);
    expect(failure(withoutModule[0]!).code).toBe(MODULE_MISSING_CODE);
  });

  it('runs nothing but the module\'s cmdlets', () => {
    expect(withoutModule[1]!.output).toEqual([]);
    expect(withoutModule[1]!.error).toMatch(/ValidateSet|does not belong to the set/);
  });
});
