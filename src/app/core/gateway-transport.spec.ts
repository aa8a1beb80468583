import { TestBed } from '@angular/core/testing';
import { AppContextService } from '@microsoft/windows-admin-center-sdk/angular';
import { of } from 'rxjs';
import { MODULE_NAME } from '../../version';
import { chooseTransport, DIRECT_GATEWAY_EXPERIMENT, provideRemoteSupportGateway } from './gateway-transport';
import { HttpsGatewayTransport } from './https-gateway-transport';
import { LiveEventStream } from './live-event-stream';
import { PowerShellGatewayTransport } from './powershell-gateway-transport';
import { RemoteSupportGateway } from './remote-support-gateway';

/**
 * The choice goes through the SDK's own experiment functions: the SDK's Init
 * handler (core/rpc/rpc.js) stores the shell's `experiments` with
 * MsftSme.experiments(list), and MsftSme.isExperimentEnabled(key) reads them
 * back as `<this module's name>.<key>`.
 */
describe('the transport choice', () => {
  const self = MsftSme.self() as unknown as { Environment?: { name?: string } };
  let saved: { name?: string } | undefined;

  beforeEach(() => {
    // What CoreEnvironment.initialize({ name: MODULE_NAME }) sets in the extension (src/main.ts).
    saved = self.Environment;
    self.Environment = { ...(saved ?? {}), name: MODULE_NAME };
    MsftSme.experiments([]);
  });

  afterEach(() => {
    MsftSme.experiments([]);
    MsftSme.experimentsReset();
    self.Environment = saved;
  });

  it('is PowerShell by default: a real Windows Admin Center does not set the experiment', () => {
    expect(chooseTransport()).toBe('powershell');
  });

  it('is direct when the shell\'s Init data carries <module name>.direct-gateway-api', () => {
    MsftSme.experiments([`${MODULE_NAME}.${DIRECT_GATEWAY_EXPERIMENT}`]);
    expect(chooseTransport()).toBe('direct');
  });

  it('ignores the same experiment of another module, and other experiments of this one', () => {
    MsftSme.experiments([`contoso.other-tool.${DIRECT_GATEWAY_EXPERIMENT}`, `${MODULE_NAME}.something-else`]);
    expect(chooseTransport()).toBe('powershell');
  });

  it('falls back to PowerShell when the experiments cannot be read', () => {
    expect(
      chooseTransport(() => {
        throw new Error('MsftSme not initialized');
      }),
    ).toBe('powershell');
  });

  describe('provideRemoteSupportGateway', () => {
    const appContext = {
      activeConnection: { nodeName: null, value: { name: 'hci-cl01.contoso.local' } },
      gateway: { gatewayUrl: 'https://gw.test' },
      powerShell: { createSession: jest.fn(), run: jest.fn() },
      node: {},
    };
    const configure = () =>
      TestBed.configureTestingModule({ providers: [{ provide: AppContextService, useValue: appContext }, ...provideRemoteSupportGateway()] });

    it('gives components the PowerShell transport and its polling stream by default', () => {
      configure();
      const gateway = TestBed.inject(RemoteSupportGateway);
      expect(gateway).toBeInstanceOf(PowerShellGatewayTransport);
      expect(TestBed.inject(LiveEventStream)).toBe(gateway.live);
    });

    it('closes the PowerShell session when the app\'s injector is destroyed', () => {
      const psSession = { dispose: jest.fn() };
      appContext.powerShell.createSession.mockReturnValue(psSession);
      appContext.powerShell.run.mockReturnValue(of({ results: [JSON.stringify({ ok: true, data: [{ version: 'v', text: 't' }] })] }));
      configure();
      TestBed.inject(RemoteSupportGateway).terms().subscribe();
      TestBed.resetTestingModule();
      expect(psSession.dispose).toHaveBeenCalledTimes(1);
    });

    it('gives components the direct transport and its event stream when the shell asks for it', () => {
      MsftSme.experiments([`${MODULE_NAME}.${DIRECT_GATEWAY_EXPERIMENT}`]);
      configure();
      const gateway = TestBed.inject(RemoteSupportGateway);
      expect(gateway).toBeInstanceOf(HttpsGatewayTransport);
      expect(TestBed.inject(LiveEventStream)).toBe(gateway.live);
    });
  });
});
