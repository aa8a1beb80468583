import { AppContextService } from '@microsoft/windows-admin-center-sdk/angular';
import { firstValueFrom, of, throwError } from 'rxjs';
import { GatewayError } from './gateway-error';
import { HttpsGatewayTransport } from './https-gateway-transport';
import { ServerSentEventStream } from './live-event-stream';

describe('HttpsGatewayTransport', () => {
  let node: { get: jest.Mock; post: jest.Mock; delete: jest.Mock };
  let gateway: HttpsGatewayTransport;

  beforeEach(() => {
    node = { get: jest.fn(() => of({ ok: true })), post: jest.fn(() => of({ ok: true })), delete: jest.fn(() => of({ revoked: null, sessionsEnded: 0 })) };
    const appContext = {
      node,
      // An HCI cluster connection has no node name: the connection's name is the cluster's.
      activeConnection: { nodeName: null, value: { name: 'hci-cl01.contoso.local', type: 'msft.sme.connection-type.hyper-converged-cluster' } },
      gateway: { gatewayUrl: 'https://gw.test' },
    };
    gateway = new HttpsGatewayTransport(appContext as unknown as AppContextService, () => {
      throw new Error('no event source in this spec');
    });
  });

  it('is the direct transport, with the event stream on the feature URL of the cluster', () => {
    expect(gateway.transport).toBe('direct');
    expect(gateway.live).toBeInstanceOf(ServerSentEventStream);
    expect((gateway.live as ServerSentEventStream).url()).toBe('https://gw.test/api/nodes/hci-cl01.contoso.local/features/remoteSupport/events');
  });

  it('names the cluster of the active HCI connection', () => {
    expect(gateway.cluster).toBe('hci-cl01.contoso.local');
  });

  it('reads the status on the feature URL of the cluster, without WAC credential prompts', async () => {
    await firstValueFrom(gateway.status());
    expect(node.get).toHaveBeenCalledWith('hci-cl01.contoso.local', 'features/remoteSupport/status', expect.objectContaining({ noAuth: true }));
  });

  it('puts query parameters in the URL, encoded', async () => {
    await firstValueFrom(gateway.searchTranscripts('Restart-Service ClusSvc & more', '2026-11-01'));
    expect(node.get.mock.calls[0][1]).toBe('features/remoteSupport/transcripts/search?q=Restart-Service%20ClusSvc%20%26%20more&fromDate=2026-11-01');
    await firstValueFrom(gateway.access(true));
    expect(node.get.mock.calls[1][1]).toBe('features/remoteSupport/access?includeExpired=true');
    await firstValueFrom(gateway.sessions());
    expect(node.get.mock.calls[2][1]).toBe('features/remoteSupport/sessions');
    await firstValueFrom(gateway.session('abc', { offset: 1000, limit: 1000 }));
    expect(node.get.mock.calls[3][1]).toBe('features/remoteSupport/sessions/abc?includeTranscript=true&offset=1000&limit=1000');
  });

  it('asks for a page of the session and consent history and of search hits with its size and the cursor of the page before', async () => {
    await firstValueFrom(gateway.sessions('2026-11-01', { limit: 100 }));
    expect(node.get.mock.calls[0][1]).toBe('features/remoteSupport/sessions?fromDate=2026-11-01&limit=100');
    await firstValueFrom(gateway.sessions(undefined, { limit: 100, cursor: 'MTc2NDc1NjgwMDAwMC4xMg' }));
    expect(node.get.mock.calls[1][1]).toBe('features/remoteSupport/sessions?limit=100&cursor=MTc2NDc1NjgwMDAwMC4xMg');
    await firstValueFrom(gateway.access(true, { limit: 100, cursor: 'MTc2NDc1NjgwMDAwMC4xMg' }));
    expect(node.get.mock.calls[2][1]).toBe('features/remoteSupport/access?includeExpired=true&limit=100&cursor=MTc2NDc1NjgwMDAwMC4xMg');
    await firstValueFrom(gateway.searchTranscripts('ClusSvc', '2026-11-01', { limit: 100, cursor: '73125' }));
    expect(node.get.mock.calls[3][1]).toBe('features/remoteSupport/transcripts/search?q=ClusSvc&fromDate=2026-11-01&limit=100&cursor=73125');
  });

  it('posts grants, agent operations and session ends; deletes access to revoke', async () => {
    const request = { accessLevel: 'Diagnostics' as const, expireInMinutes: 480, agreeToRemoteSupportConsent: true as const, termsVersion: 'v' };
    await firstValueFrom(gateway.grant(request));
    expect(node.post).toHaveBeenCalledWith('hci-cl01.contoso.local', 'features/remoteSupport/access', request, expect.anything());
    await firstValueFrom(gateway.installAgent(['hci-n01']));
    expect(node.post).toHaveBeenCalledWith('hci-cl01.contoso.local', 'features/remoteSupport/agent/install', { nodes: ['hci-n01'] }, expect.anything());
    await firstValueFrom(gateway.removeAgent());
    expect(node.post).toHaveBeenCalledWith('hci-cl01.contoso.local', 'features/remoteSupport/agent/remove', {}, expect.anything());
    await firstValueFrom(gateway.endSession('s-1'));
    expect(node.post).toHaveBeenCalledWith('hci-cl01.contoso.local', 'features/remoteSupport/sessions/s-1/end', {}, expect.anything());
    await firstValueFrom(gateway.revoke());
    expect(node.delete).toHaveBeenCalledWith('hci-cl01.contoso.local', 'features/remoteSupport/access', undefined, expect.anything());
  });

  it("asks the gateway for its export as text, in the format asked for", async () => {
    node.get.mockReturnValue(of('Remote support session s-1\n'));
    expect(await firstValueFrom(gateway.exportTranscript('s-1', 'text'))).toBe('Remote support session s-1\n');
    expect(node.get).toHaveBeenCalledWith('hci-cl01.contoso.local', 'features/remoteSupport/sessions/s-1/export?format=text', expect.objectContaining({ noAuth: true, responseType: 'text' }));
  });

  it('turns a catalog error into a GatewayError with its code and field', async () => {
    node.post.mockReturnValue(
      throwError(() => ({ status: 400, response: { error: { code: 'InvalidExpireInMinutes', message: 'expireInMinutes must be an integer from 60 to 20160', field: 'expireInMinutes', allowed: 'an integer from 60 to 20160' } } })),
    );
    const error = await firstValueFrom(gateway.grant({} as never)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GatewayError);
    expect(error).toMatchObject({ code: 'InvalidExpireInMinutes', field: 'expireInMinutes', status: 400, allowed: 'an integer from 60 to 20160' });
  });

  it('reports an unanswered request as the gateway being unreachable', async () => {
    node.get.mockReturnValue(throwError(() => ({ status: 0, xhr: { status: 0 } })));
    const error = (await firstValueFrom(gateway.status()).catch((e: unknown) => e)) as GatewayError;
    expect(error.code).toBe('GatewayUnreachable');
    expect(error.unreachable).toBe(true);
  });
});
