import { AgentOperation, ClusterStatus, GrantView, LevelCommands, NodeStatus, Prerequisites, RelayView, SessionView, Terms, TranscriptEntry } from '../core/api-models';

/** Test data in the API's shapes; every builder takes overrides. */
export const CLUSTER = 'hci-cl01.contoso.local';
export const NOW = Date.parse('2026-11-25T12:00:00.000Z');
export const iso = (ms: number) => new Date(ms).toISOString();

export function node(name: string, state: NodeStatus['agent']['state'] = 'Installed'): NodeStatus {
  return { name, online: true, agent: { state, version: state === 'Installed' ? '1.0.0' : null, detail: null, updatedAt: iso(NOW) } };
}

export function grant(overrides: Partial<GrantView> = {}): GrantView {
  return {
    id: 'g-1',
    cluster: CLUSTER,
    state: 'active',
    accessLevel: 'Diagnostics',
    expireInMinutes: 480,
    grantedAt: iso(NOW - 60_000),
    expiresAt: iso(NOW - 60_000 + 480 * 60_000),
    endedAt: null,
    endReason: null,
    grantedBy: 'admin@contoso.com',
    grantedById: 'entra:72f988bf-86f1-41af-91ab-2d7cd011db47/6a1f0c2e-5d4b-4e3a-9c8b-7a6f5e4d3c2b',
    endedBy: null,
    endedById: null,
    supportCaseNumber: 'CASE-1',
    termsVersion: 'a'.repeat(64),
    sasCredentialProvided: false,
    secondsLeft: 479 * 60,
    repairApproval: false,
    ...overrides,
  };
}

export function session(overrides: Partial<SessionView> = {}): SessionView {
  return {
    id: '11111111-1111-4111-8111-111111111111',
    grantId: 'g-1',
    engineer: 'engineer@support.example',
    engineerId: 'entra:72f988bf-86f1-41af-91ab-2d7cd011db47/0d9e8c7b-6a5f-4e4d-8c3b-2a1f0e9d8c7b',
    supportCase: 'CASE-1',
    accessLevel: 'Diagnostics',
    nodes: ['hci-n01', 'hci-n02'],
    startedAt: iso(NOW - 10 * 60_000),
    endedAt: null,
    endReason: null,
    endedBy: null,
    endedById: null,
    durationSeconds: null,
    commandCount: 3,
    ...overrides,
  };
}

export function status(overrides: Partial<ClusterStatus> = {}): ClusterStatus {
  return {
    cluster: CLUSTER,
    registered: true,
    now: iso(NOW),
    nodes: ['hci-n01', 'hci-n02', 'hci-n03', 'hci-n04'].map((n) => node(n)),
    activeGrant: null,
    liveSessions: [],
    agentOperation: null,
    tamperedGrants: [],
    ...overrides,
  };
}

/** The relay listening on the test cluster's Hybrid Connection since a minute ago. */
export function relay(overrides: Partial<RelayView> = {}): RelayView {
  return {
    state: 'connected',
    address: 'wss://contoso-support.servicebus.windows.net/$hc/hci-cl01',
    since: iso(NOW - 60_000),
    error: null,
    attempts: 0,
    nextRetryAt: null,
    connectedAt: iso(NOW - 60_000),
    ...overrides,
  };
}

export function operation(overrides: Partial<AgentOperation> = {}): AgentOperation {
  return {
    id: 'op-1',
    cluster: CLUSTER,
    kind: 'install',
    status: 'running',
    startedAt: iso(NOW),
    finishedAt: null,
    startedBy: 'local-admin',
    startedById: 'local:admin',
    nodes: [
      { node: 'hci-n01', status: 'running', step: 'Copy JEA role capability', stepsDone: 1, stepsTotal: 4, error: null },
      { node: 'hci-n02', status: 'failed', step: null, stepsDone: 2, stepsTotal: 4, error: 'WinRM did not answer' },
    ],
    ...overrides,
  };
}

export const TERMS: Terms = { version: 'b'.repeat(64), text: 'Remote support terms\n\n1. Access. The engineer may run allowed commands.\n5. Data already collected is not recalled.' };

export const COMMANDS: { levels: LevelCommands[] } = {
  levels: [
    {
      accessLevel: 'Diagnostics',
      commands: [
        { name: 'Get-Cluster', level: 'Diagnostics', reason: 'Cluster settings', module: 'FailoverClusters', kind: 'cmdlet', parameters: [] },
        { name: 'Get-ClusterNode', level: 'Diagnostics', reason: 'Node states', module: 'FailoverClusters', kind: 'cmdlet', parameters: [] },
      ],
    },
    {
      accessLevel: 'DiagnosticsRepair',
      commands: [
        { name: 'Get-Cluster', level: 'Diagnostics', reason: 'Cluster settings', module: 'FailoverClusters', kind: 'cmdlet', parameters: [] },
        { name: 'Get-ClusterNode', level: 'Diagnostics', reason: 'Node states', module: 'FailoverClusters', kind: 'cmdlet', parameters: [] },
        { name: 'Restart-Service', level: 'DiagnosticsRepair', reason: 'Restart a named HCI service', module: 'Microsoft.PowerShell.Management', kind: 'cmdlet', parameters: [] },
      ],
    },
  ],
};

export const PREREQUISITES: Prerequisites = {
  ready: false,
  checks: [
    { id: 'kdsRootKey', title: 'KDS root key', node: null, status: 'passed', detail: 'A KDS root key exists.', remedy: null },
    { id: 'module:hci-n02', title: 'Az.StackHCI module on hci-n02', node: 'hci-n02', status: 'failed', detail: 'Not installed.', remedy: 'Install-Module Az.StackHCI on hci-n02' },
    { id: 'proxy:relay', title: 'Outbound HTTPS to the relay', node: null, status: 'warning', detail: 'Slow answer.', remedy: 'Check the proxy' },
  ],
};

export function entries(count: number, sessionStart = NOW - 10 * 60_000): TranscriptEntry[] {
  const kinds: TranscriptEntry['kind'][] = ['command', 'output', 'denied', 'system'];
  return Array.from({ length: count }, (_, i) => ({
    seq: i + 1,
    at: iso(sessionStart + i * 1000),
    kind: kinds[i % kinds.length]!,
    node: i % 4 === 3 ? null : `hci-n0${(i % 2) + 1}`,
    text: i % 4 === 0 ? `Get-ClusterNode -Name node${i}` : i % 4 === 1 ? `Name State\nnode${i} Up` : i % 4 === 2 ? `Stop-Computer is not allowed` : 'Session opened',
    prevHash: String(i).padStart(64, '0'),
    hash: String(i + 1).padStart(64, '0'),
  }));
}
