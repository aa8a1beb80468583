import { AppContextService } from '@microsoft/windows-admin-center-sdk/angular';
import type { PowerShellCommand } from '@microsoft/windows-admin-center-sdk/core';
import { firstValueFrom, NEVER, Observable, of, throwError } from 'rxjs';
import { PowerShellScripts } from '../../generated/powershell-scripts';
import { FakeClock } from '../testing/fake-clock';
import { entries, grant, NOW, operation, session, status, TERMS } from '../testing/fixtures';
import { GatewayError } from './gateway-error';
import { MODULE_MISSING_CODE, requestOf } from './powershell-commands';
import { POWERSHELL_SESSION_KEY, PowerShellGatewayTransport } from './powershell-gateway-transport';
import { RemoteSupportGateway } from './remote-support-gateway';
import { StatusPollingStream } from './status-polling-stream';

const CLUSTER = 'hci-cl01.contoso.local';
const SCRIPT = PowerShellScripts['Invoke-RemoteSupportCommand'];

/** What the SDK's PowerShell.run answers with: `{ results: [the wrapper's one string] }`. */
const ok = (data: unknown[]) => of({ results: [JSON.stringify({ ok: true, data })] });
const failed = (error: Record<string, unknown>) => of({ results: [JSON.stringify({ ok: false, error })] });

describe('PowerShellGatewayTransport', () => {
  let run: jest.Mock<Observable<unknown>, [unknown, PowerShellCommand, Record<string, unknown>]>;
  let createSession: jest.Mock;
  let gateway: PowerShellGatewayTransport;
  const psSession = { dispose: jest.fn(), nodeName: CLUSTER };

  beforeEach(() => {
    run = jest.fn((_session: unknown, _command: PowerShellCommand, _options: Record<string, unknown>): Observable<unknown> => ok([status()]));
    createSession = jest.fn(() => psSession);
    psSession.dispose.mockClear();
    const appContext = {
      powerShell: { createSession, run },
      activeConnection: { nodeName: null, value: { name: CLUSTER, type: 'msft.sme.connection-type.hyper-converged-cluster' } },
    };
    gateway = new PowerShellGatewayTransport(appContext as unknown as AppContextService, new FakeClock(), { hidden: false, changes$: NEVER });
  });

  /** The command of the n-th PowerShell run. */
  const command = (n = 0): PowerShellCommand => run.mock.calls[n]![1];

  it('is the PowerShell transport behind the one interface, with polling live updates', () => {
    expect(gateway).toBeInstanceOf(RemoteSupportGateway);
    expect(gateway.transport).toBe('powershell');
    expect(gateway.live).toBeInstanceOf(StatusPollingStream);
    expect(gateway.cluster).toBe(CLUSTER);
  });

  it('runs the wrapper script on the cluster in one keyed PowerShell session, reused by every call', async () => {
    await firstValueFrom(gateway.status());
    await firstValueFrom(gateway.status());
    expect(createSession).toHaveBeenCalledTimes(1);
    expect(createSession).toHaveBeenCalledWith(CLUSTER, POWERSHELL_SESSION_KEY);
    expect(run.mock.calls[0]![0]).toBe(psSession);
    expect(command()).toMatchObject({ module: 'AzStackHCI.RemoteSupport', command: 'Invoke-RemoteSupportCommand', parameters: {}, state: 'ready' });
    expect(command().script).toContain(SCRIPT);
    expect(requestOf(command())).toEqual({ RemoteSupportCommand: 'Get-AzStackHCIRemoteSupportStatus', Cluster: CLUSTER });
    gateway.ngOnDestroy();
    expect(psSession.dispose).toHaveBeenCalledTimes(1);
  });

  it('writes changes to WAC\'s audit log and reads without it', async () => {
    await firstValueFrom(gateway.status());
    run.mockReturnValue(ok([{ revoked: null, sessionsEnded: 0 }]));
    await firstValueFrom(gateway.revoke());
    expect(run.mock.calls[0]![2]).toMatchObject({ logAudit: false, logTelemetry: false });
    expect(run.mock.calls[1]![2]).toMatchObject({ logAudit: true });
  });

  describe('builds each cmdlet call from parameters, never from script text', () => {
    const cases: Array<{ name: string; call: (g: PowerShellGatewayTransport) => Observable<unknown>; answer: unknown[]; parameters: Record<string, unknown>; result: unknown }> = [
      { name: 'status', call: (g) => g.status(), answer: [status()], parameters: { RemoteSupportCommand: 'Get-AzStackHCIRemoteSupportStatus' }, result: status() },
      {
        name: 'prerequisites',
        call: (g) => g.prerequisites(),
        answer: [{ ready: true, checks: [] }],
        parameters: { RemoteSupportCommand: 'Test-AzStackHCIRemoteSupportPrerequisite' },
        result: { ready: true, checks: [] },
      },
      { name: 'terms', call: (g) => g.terms(), answer: [TERMS], parameters: { RemoteSupportCommand: 'Get-AzStackHCIRemoteSupportTerms' }, result: TERMS },
      {
        name: 'commands (one object per level, wrapped as the API lists them)',
        call: (g) => g.commands(),
        answer: [{ accessLevel: 'Diagnostics', commands: [] }, { accessLevel: 'DiagnosticsRepair', commands: [] }],
        parameters: { RemoteSupportCommand: 'Get-AzStackHCIRemoteSupportCommand' },
        result: { levels: [{ accessLevel: 'Diagnostics', commands: [] }, { accessLevel: 'DiagnosticsRepair', commands: [] }] },
      },
      {
        name: 'installAgent on some nodes, without waiting',
        call: (g) => g.installAgent(['hci-n01', 'hci-n02']),
        answer: [operation()],
        parameters: { RemoteSupportCommand: 'Install-AzStackHCIRemoteSupport', Node: ['hci-n01', 'hci-n02'], NoWait: true },
        result: { operation: operation() },
      },
      {
        name: 'installAgent on every node',
        call: (g) => g.installAgent(),
        answer: [operation()],
        parameters: { RemoteSupportCommand: 'Install-AzStackHCIRemoteSupport', NoWait: true },
        result: { operation: operation() },
      },
      {
        name: 'removeAgent',
        call: (g) => g.removeAgent(['hci-n03']),
        answer: [operation({ kind: 'remove' })],
        parameters: { RemoteSupportCommand: 'Remove-AzStackHCIRemoteSupport', Node: ['hci-n03'], NoWait: true },
        result: { operation: operation({ kind: 'remove' }) },
      },
      {
        name: 'operation',
        call: (g) => g.operation('op-1'),
        answer: [operation()],
        parameters: { RemoteSupportCommand: 'Get-AzStackHCIRemoteSupportOperation', OperationId: 'op-1' },
        result: { operation: operation() },
      },
      {
        name: 'revoke',
        call: (g) => g.revoke(),
        answer: [{ revoked: grant({ state: 'revoked' }), sessionsEnded: 1 }],
        parameters: { RemoteSupportCommand: 'Disable-AzStackHCIRemoteSupport' },
        result: { revoked: grant({ state: 'revoked' }), sessionsEnded: 1 },
      },
      {
        name: 'access with expired grants',
        call: (g) => g.access(true),
        answer: [grant(), grant({ id: 'g-0', state: 'expired' })],
        parameters: { RemoteSupportCommand: 'Get-AzStackHCIRemoteSupportAccess', IncludeExpired: true },
        result: { grants: [grant(), grant({ id: 'g-0', state: 'expired' })], nextCursor: null, total: 2 },
      },
      {
        name: 'a page of the grants, after a cursor',
        call: (g) => g.access(true, { limit: 100, cursor: 'MTc2NDc1NjgwMDAwMC4xMg' }),
        answer: [{ grants: [grant()], nextCursor: 'MTc2NDc1NjgwMDAwMC4xMQ', total: null }],
        parameters: { RemoteSupportCommand: 'Get-AzStackHCIRemoteSupportAccess', IncludeExpired: true, PageSize: 100, Cursor: 'MTc2NDc1NjgwMDAwMC4xMg' },
        result: { grants: [grant()], nextCursor: 'MTc2NDc1NjgwMDAwMC4xMQ', total: null },
      },
      {
        name: 'access, current only (the switch left out), none',
        call: (g) => g.access(false),
        answer: [],
        parameters: { RemoteSupportCommand: 'Get-AzStackHCIRemoteSupportAccess' },
        result: { grants: [], nextCursor: null, total: 0 },
      },
      {
        name: 'sessions since a date',
        call: (g) => g.sessions('2026-11-01'),
        answer: [session()],
        parameters: { RemoteSupportCommand: 'Get-AzStackHCIRemoteSupportSessionHistory', FromDate: '2026-11-01T00:00:00Z' },
        result: { fromDate: '2026-11-01', sessions: [session()], nextCursor: null, total: 1 },
      },
      {
        name: 'the first page of the sessions since a date',
        call: (g) => g.sessions('2026-11-01', { limit: 100 }),
        answer: [{ fromDate: '2026-11-01T00:00:00.000Z', sessions: [session()], nextCursor: 'MTc2NDc1NjgwMDAwMC4xMg', total: 101 }],
        parameters: { RemoteSupportCommand: 'Get-AzStackHCIRemoteSupportSessionHistory', FromDate: '2026-11-01T00:00:00Z', PageSize: 100 },
        result: { fromDate: '2026-11-01T00:00:00.000Z', sessions: [session()], nextCursor: 'MTc2NDc1NjgwMDAwMC4xMg', total: 101 },
      },
      {
        name: 'the next page of the sessions of the last 7 days',
        call: (g) => g.sessions(undefined, { limit: 100, cursor: 'MTc2NDc1NjgwMDAwMC4xMg' }),
        answer: [{ fromDate: '2026-11-18T08:00:00.000Z', sessions: [session()], nextCursor: null, total: null }],
        parameters: { RemoteSupportCommand: 'Get-AzStackHCIRemoteSupportSessionHistory', PageSize: 100, Cursor: 'MTc2NDc1NjgwMDAwMC4xMg' },
        result: { fromDate: '2026-11-18T08:00:00.000Z', sessions: [session()], nextCursor: null, total: null },
      },
      {
        name: 'sessions of the last 7 days (the gateway\'s default)',
        call: (g) => g.sessions(),
        answer: [],
        parameters: { RemoteSupportCommand: 'Get-AzStackHCIRemoteSupportSessionHistory' },
        result: { fromDate: new Date(NOW - 7 * 86_400_000).toISOString(), sessions: [], nextCursor: null, total: 0 },
      },
      {
        name: 'one session',
        call: (g) => g.session('s-1'),
        answer: [session()],
        parameters: { RemoteSupportCommand: 'Get-AzStackHCIRemoteSupportSessionHistory', SessionId: 's-1' },
        result: { session: session() },
      },
      {
        name: 'endSession',
        call: (g) => g.endSession('s-1'),
        answer: [{ session: session({ endReason: 'ended-by-admin' }) }],
        parameters: { RemoteSupportCommand: 'Stop-AzStackHCIRemoteSupportSession', SessionId: 's-1' },
        result: { session: session({ endReason: 'ended-by-admin' }) },
      },
      {
        name: 'verify',
        call: (g) => g.verify('s-1'),
        answer: [{ valid: true, entries: 3 }],
        parameters: { RemoteSupportCommand: 'Test-AzStackHCIRemoteSupportTranscript', SessionId: 's-1' },
        result: { verification: { valid: true, entries: 3 } },
      },
      {
        name: 'searchTranscripts, every hit',
        call: (g) => g.searchTranscripts('Restart-Service ClusSvc', '2026-11-01'),
        answer: [{ sessionId: 's-1', seq: 4 }, { sessionId: 's-0', seq: 9 }],
        parameters: { RemoteSupportCommand: 'Search-AzStackHCIRemoteSupportTranscript', Query: 'Restart-Service ClusSvc', FromDate: '2026-11-01T00:00:00Z' },
        result: { query: 'Restart-Service ClusSvc', hits: [{ sessionId: 's-1', seq: 4 }, { sessionId: 's-0', seq: 9 }], nextCursor: null },
      },
      {
        name: 'a page of the hits of a search, after a cursor',
        call: (g) => g.searchTranscripts('Restart-Service ClusSvc', '2026-11-01', { limit: 100, cursor: '73125' }),
        answer: [{ query: 'Restart-Service ClusSvc', hits: [{ sessionId: 's-1', seq: 4 }], nextCursor: '73001' }],
        parameters: { RemoteSupportCommand: 'Search-AzStackHCIRemoteSupportTranscript', Query: 'Restart-Service ClusSvc', FromDate: '2026-11-01T00:00:00Z', PageSize: 100, Cursor: '73125' },
        result: { query: 'Restart-Service ClusSvc', hits: [{ sessionId: 's-1', seq: 4 }], nextCursor: '73001' },
      },
      {
        name: 'exportTranscript as text',
        call: (g) => g.exportTranscript('s-1', 'text'),
        answer: ['Remote support session s-1\n'],
        parameters: { RemoteSupportCommand: 'Export-AzStackHCIRemoteSupportTranscript', SessionId: 's-1', Format: 'text' },
        result: 'Remote support session s-1\n',
      },
    ];

    for (const c of cases) {
      it(c.name, async () => {
        run.mockReturnValue(ok(c.answer));
        expect(await firstValueFrom(c.call(gateway))).toEqual(c.result);
        expect(requestOf(command())).toEqual({ Cluster: CLUSTER, ...c.parameters });
        expect(command().script).toContain(SCRIPT);
        expect(command().parameters).toEqual({});
      });
    }
  });

  it('grants in one call with the admin\'s choices and the terms version the pane showed as parameters', async () => {
    const result = { grant: grant(), superseded: null };
    run.mockReturnValueOnce(ok([result]));
    const request = {
      accessLevel: 'DiagnosticsRepair' as const,
      expireInMinutes: 20160,
      agreeToRemoteSupportConsent: true,
      supportCaseNumber: "CASE-1'; Remove-Item C:\\ -Recurse; '",
      sasCredential: null,
      termsVersion: TERMS.version,
    };
    expect(await firstValueFrom(gateway.grant(request))).toEqual(result);
    expect(run).toHaveBeenCalledTimes(1);
    expect(requestOf(command(0))).toEqual({
      RemoteSupportCommand: 'Enable-AzStackHCIRemoteSupport',
      Cluster: CLUSTER,
      AccessLevel: 'DiagnosticsRepair',
      ExpireInMinutes: 20160,
      AgreeToRemoteSupportConsent: true,
      SupportCaseNumber: "CASE-1'; Remove-Item C:\\ -Recurse; '",
      TermsVersion: TERMS.version,
    });
    // The value travels as base64 inside the script: never as text PowerShell would read.
    expect(command(0).script).toContain(SCRIPT);
    expect(command(0).script).not.toContain('Remove-Item C:');
    expect(command(0).parameters).toEqual({});
  });

  it('carries hostile values, typographic quotes included, only inside the base64 request', async () => {
    run.mockReturnValue(ok([]));
    const hostile = "x\u2019; Write-Output INJECTED; \u2019 $(Remove-Item C:\\) `n\n' \"";
    await firstValueFrom(gateway.searchTranscripts(hostile));
    const script = command().script;
    expect(requestOf(command())).toMatchObject({ Query: hostile });
    expect(script).not.toContain('INJECTED');
    expect(script).not.toContain('\u2019');
    const literal = /FromBase64String\('([^']*)'\)/.exec(script)![1]!;
    expect(literal).toMatch(/^[A-Za-z0-9+/=]+$/);
  });

  it('leaves out the consent switch unless the admin agreed, so the cmdlet refuses', async () => {
    run.mockReturnValue(ok([{ grant: grant(), superseded: null }]));
    await firstValueFrom(gateway.grant({ accessLevel: 'Diagnostics', agreeToRemoteSupportConsent: false }));
    expect(requestOf(command())).toEqual({ RemoteSupportCommand: 'Enable-AzStackHCIRemoteSupport', Cluster: CLUSTER, AccessLevel: 'Diagnostics' });
  });

  it('surfaces the gateway\'s refusal of stale terms as the HTTPS path does: TermsVersionMismatch naming termsVersion and the current version', async () => {
    const current = 'c'.repeat(64);
    const message = 'termsVersion does not match the current terms; read the terms again (GET terms) and agree to the current version';
    run.mockReturnValue(of({ results: JSON.stringify({ ok: false, error: { code: 'TermsVersionMismatch', message, field: 'termsVersion', allowed: current } }) }));
    const error = await firstValueFrom(gateway.grant({ accessLevel: 'Diagnostics', agreeToRemoteSupportConsent: true, termsVersion: TERMS.version })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GatewayError);
    expect(error).toMatchObject({ code: 'TermsVersionMismatch', message, field: 'termsVersion', allowed: current });
    // No read of the terms first: the check and the grant are one step on the gateway.
    expect(run).toHaveBeenCalledTimes(1);
    expect(requestOf(command())).toMatchObject({ RemoteSupportCommand: 'Enable-AzStackHCIRemoteSupport', TermsVersion: TERMS.version });
  });

  it('names termsVersion when PowerShell refuses a malformed version, with the code the gateway gives', async () => {
    const message = 'Cannot validate argument on parameter \'TermsVersion\'. The argument "x" does not match the "\\A[0-9a-f]{64}\\z" pattern.';
    run.mockReturnValue(of({ results: JSON.stringify({ ok: false, error: { code: 'ParameterArgumentValidationError', message, field: 'TermsVersion' } }) }));
    const error = await firstValueFrom(gateway.grant({ accessLevel: 'Diagnostics', agreeToRemoteSupportConsent: true, termsVersion: 'x' })).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'TermsVersionMismatch', field: 'termsVersion', message });
  });

  it('gives a transcript from the offset asked for, all of it at once', async () => {
    const all = entries(5);
    run.mockReturnValue(ok([{ session: session(), transcript: { offset: 0, limit: 5, total: 5, entries: all } }]));
    const detail = await firstValueFrom(gateway.session('s-1', { offset: 2, limit: 1000 }));
    expect(requestOf(command())).toEqual({ RemoteSupportCommand: 'Get-AzStackHCIRemoteSupportSessionHistory', Cluster: CLUSTER, SessionId: 's-1', IncludeSessionTranscript: true });
    expect(detail.transcript).toEqual({ offset: 2, limit: 3, total: 5, entries: all.slice(2) });
  });

  describe('errors', () => {
    const errorOf = async (o: Observable<unknown>) => (await firstValueFrom(o).catch((e: unknown) => e)) as GatewayError;

    it('passes the gateway\'s catalog error through with its code, field and allowed values', async () => {
      run.mockReturnValue(
        failed({ code: 'InvalidSupportCaseNumber', message: 'supportCaseNumber may hold 1 to 64 letters, digits or hyphens', field: 'supportCaseNumber', allowed: '1 to 64 letters, digits or hyphens' }),
      );
      const error = await errorOf(gateway.grant({ accessLevel: 'Diagnostics', agreeToRemoteSupportConsent: true, supportCaseNumber: 'a b' }));
      expect(error).toBeInstanceOf(GatewayError);
      expect(error).toMatchObject({ code: 'InvalidSupportCaseNumber', field: 'supportCaseNumber', allowed: '1 to 64 letters, digits or hyphens' });
      expect(error.message).toBe('supportCaseNumber may hold 1 to 64 letters, digits or hyphens');
    });

    it('names the API field and catalog code of an argument PowerShell refused (ValidateRange)', async () => {
      run.mockReturnValue(
        failed({ code: 'ParameterArgumentValidationError', field: 'ExpireInMinutes', message: "Cannot validate argument on parameter 'ExpireInMinutes'. The 20161 argument is greater than the maximum allowed range of 20160." }),
      );
      const error = await errorOf(gateway.grant({ accessLevel: 'Diagnostics', expireInMinutes: 20161, agreeToRemoteSupportConsent: true }));
      expect(error).toMatchObject({ code: 'InvalidExpireInMinutes', field: 'expireInMinutes', allowed: 'an integer from 60 to 20160' });
      expect(error.message).toMatch(/20161/);
    });

    it('names the consent field when PowerShell says the switch is missing', async () => {
      run.mockReturnValue(failed({ code: 'MissingMandatoryParameter', field: 'AgreeToRemoteSupportConsent', message: 'Cannot process command because of one or more missing mandatory parameters: AgreeToRemoteSupportConsent.' }));
      expect(await errorOf(gateway.grant({ accessLevel: 'Diagnostics' }))).toMatchObject({ code: 'ConsentRequired', field: 'agreeToRemoteSupportConsent', allowed: 'true' });
    });

    it('says the module is missing when Import-Module found none', async () => {
      run.mockReturnValue(failed({ code: 'Modules_ModuleNotFound', message: "The specified module 'AzStackHCI.RemoteSupport' was not loaded because no valid module file was found in any module directory." }));
      const error = await errorOf(gateway.status());
      expect(error.code).toBe(MODULE_MISSING_CODE);
      expect(error.message).toContain('AzStackHCI.RemoteSupport');
      expect(error.message).toContain(CLUSTER);
    });

    it('says the module is missing when WAC reports the PowerShell error itself', async () => {
      run.mockReturnValue(
        throwError(() => ({
          status: 400,
          xhr: { status: 400, response: { errors: [{ errorType: 'FileNotFoundException', message: "The specified module 'AzStackHCI.RemoteSupport' was not loaded because no valid module file was found in any module directory." }] } },
        })),
      );
      expect((await errorOf(gateway.status())).code).toBe(MODULE_MISSING_CODE);
    });

    it('gives other PowerShell errors WAC reports with their message', async () => {
      run.mockReturnValue(throwError(() => ({ status: 500, xhr: { status: 500, response: { errors: [{ errorType: 'PSRemotingTransportException', message: 'Connecting to remote server hci-cl01 failed: WinRM cannot complete the operation.' }] } } })));
      const error = await errorOf(gateway.status());
      expect(error.code).toBe('PowerShellError');
      expect(error.message).toMatch(/WinRM cannot complete/);
    });

    it('reports the gateway unreachable as the module does, and a request that got no answer the same way', async () => {
      run.mockReturnValue(failed({ code: 'GatewayUnreachable', message: 'The remote support gateway at https://127.0.0.1:6600 did not answer' }));
      expect((await errorOf(gateway.status())).unreachable).toBe(true);
      run.mockReturnValue(throwError(() => ({ status: 0, xhr: { status: 0 } })));
      expect((await errorOf(gateway.status())).unreachable).toBe(true);
    });

    it('refuses output that is not the wrapper\'s JSON', async () => {
      run.mockReturnValue(of({ results: ['WARNING: something'] }));
      expect((await errorOf(gateway.status())).code).toBe('UnexpectedResponse');
      run.mockReturnValue(of({ results: [] }));
      expect((await errorOf(gateway.status())).code).toBe('UnexpectedResponse');
      run.mockReturnValue(ok([status(), status()]));
      expect((await errorOf(gateway.status())).code).toBe('UnexpectedResponse');
      run.mockReturnValue(of(null));
      expect((await errorOf(gateway.status())).code).toBe('UnexpectedResponse');
    });

    it('reads a result given as a bare string too', async () => {
      run.mockReturnValue(of({ results: JSON.stringify({ ok: true, data: [TERMS] }) }));
      expect(await firstValueFrom(gateway.terms())).toEqual(TERMS);
    });
  });
});
