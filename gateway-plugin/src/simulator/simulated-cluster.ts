import { ACCESS_LEVELS } from '../domain/access-level';
import { startTimeout } from '../domain/clock';
import { endpointName, JeaFile, SESSION_CONFIGURATION_NAME, sessionConfigurationPath } from '../policy/jea-files';
import { AgentInstallResult, ClusterNodeInfo, ClusterTarget, MIN_AZ_STACK_HCI_VERSION, PrerequisiteCheck, versionAtLeast } from '../cluster/cluster-target';
import {
  NODE_CREDENTIAL_PATH, NODE_GATEWAY_CONFIG_PATH, NODE_MODULE_NAME, NodeGatewayConfig, nodeGatewayConfigProblem, nodeGatewayJson,
} from '../cluster/node-module';
import { agentFilePathProblem } from '../cluster/powershell-cluster';
import { SimulatedClusterState } from './cluster-state';

/** The agent version the simulated install reports. */
export const AGENT_VERSION = '1.0.0';
/** The JEA session configuration the agent registers on each node. */
export const JEA_ENDPOINT_NAME = SESSION_CONFIGURATION_NAME;

export interface SimulatedClusterOptions {
  /** Time each install/remove step takes, so progress is visible (0 in tests). */
  stepDelayMs?: number;
}


const INSTALL_STEPS = [
  'Checking the node',
  'Copying role capabilities',
  `Installing the ${NODE_MODULE_NAME} module and its gateway configuration`,
  `Registering the ${JEA_ENDPOINT_NAME} session configurations`,
  'Starting the agent',
] as const;
const REMOVE_STEPS = [
  'Stopping the agent',
  `Unregistering the ${JEA_ENDPOINT_NAME} session configurations`,
  'Removing role capabilities',
  `Removing the ${NODE_MODULE_NAME} module and its gateway configuration`,
] as const;

/**
 * A simulated Azure Stack HCI cluster: nodes, registration, prerequisites and
 * the JEA endpoint each node has or lacks. Nodes, registration and faults
 * are read from the cluster state it shares with the simulated executor, so
 * a node taken offline ({@link SimulatedCluster.setNodeOnline}) fails both
 * installs and commands.
 */
export class SimulatedCluster implements ClusterTarget {
  private readonly jeaRegistered = new Set<string>();
  private readonly deployed = new Map<string, JeaFile[]>();
  private readonly configured = new Map<string, JeaFile[]>();
  private readonly stepDelayMs: number;

  constructor(private readonly state: SimulatedClusterState, options: SimulatedClusterOptions = {}) {
    this.stepDelayMs = options.stepDelayMs ?? 0;
  }

  get name(): string {
    return this.state.fqdn;
  }

  get registered(): boolean {
    return this.state.registered;
  }

  nodes(): ClusterNodeInfo[] {
    return this.state.nodes.map((name) => ({ name, online: this.state.isOnline(name) }));
  }

  setNodeOnline(node: string, online: boolean): void {
    this.state.setOffline(node, !online);
  }

  /** Whether the node has the remote support JEA endpoint registered. */
  hasJeaEndpoint(node: string): boolean {
    return this.jeaRegistered.has(node);
  }

  async prerequisites(): Promise<PrerequisiteCheck[]> {
    const f = this.state;
    const checks: PrerequisiteCheck[] = [];
    checks.push({
      id: 'kdsRootKey',
      title: 'Key Distribution Services root key',
      node: null,
      status: f.kdsRootKey.present ? 'passed' : 'failed',
      detail: f.kdsRootKey.present
        ? `A KDS root key exists in ${f.domain}${f.kdsRootKey.effectiveTime ? `, effective ${f.kdsRootKey.effectiveTime}` : ''}.`
        : `Get-KdsRootKey returns nothing in ${f.domain}: the agent's group managed service account cannot be created.`,
      remedy: f.kdsRootKey.present
        ? null
        : 'On a domain controller, run Add-KdsRootKey -EffectiveImmediately, then allow time for Active Directory replication (it can take hours) before granting access.',
    });
    for (const name of f.nodes) {
      const n = { name, online: f.isOnline(name) };
      const version = f.moduleVersion(name);
      const ok = n.online && version !== null && versionAtLeast(version, MIN_AZ_STACK_HCI_VERSION);
      checks.push({
        id: `module:${n.name}`,
        title: `Az.StackHCI PowerShell module on ${n.name}`,
        node: n.name,
        status: ok ? 'passed' : 'failed',
        detail: !n.online
          ? `${n.name} does not answer; the module could not be checked.`
          : version === null
            ? `Az.StackHCI is not installed on ${n.name}.`
            : `Az.StackHCI ${version} is installed${ok ? '' : `; ${MIN_AZ_STACK_HCI_VERSION} or newer is needed`}.`,
        remedy: ok ? null : !n.online ? `Bring ${n.name} back online, then check again.` : `On ${n.name}, run Install-Module -Name Az.StackHCI (or Update-Module -Name Az.StackHCI).`,
      });
    }
    for (const p of f.proxyEndpoints) {
      checks.push({
        id: `proxy:${p.endpoint}`,
        title: `Outbound HTTPS to ${p.endpoint}`,
        node: null,
        status: p.reachable ? 'passed' : 'failed',
        detail: p.reachable ? `${p.probe}:443 answered.` : `${p.probe}:443 did not answer through the configured proxy.`,
        remedy: p.reachable ? null : `Allow ${p.endpoint} on port 443 in the proxy and firewall.`,
      });
    }
    for (const name of f.nodes) {
      const n = { name };
      const ok = this.jeaRegistered.has(n.name);
      checks.push({
        id: `jea:${n.name}`,
        title: `Remote support JEA endpoint on ${n.name}`,
        node: n.name,
        status: ok ? 'passed' : 'failed',
        detail: ok ? `The ${JEA_ENDPOINT_NAME} session configuration is registered.` : `The ${JEA_ENDPOINT_NAME} session configuration is not registered.`,
        remedy: ok ? null : 'Install the remote support agent on this node (Install in the dashboard, or remote-support install).',
      });
    }
    return checks;
  }

  agentSteps(kind: 'install' | 'remove'): readonly string[] {
    return kind === 'install' ? INSTALL_STEPS : REMOVE_STEPS;
  }

  /** The JEA files the last install put on a node (empty when none or removed). */
  deployedFiles(node: string): JeaFile[] {
    return [...(this.deployed.get(node) ?? [])];
  }

  /**
   * The module configuration the last install wrote on a node: gateway.json
   * and the machine credential, at their paths (empty when none or removed).
   */
  deployedConfig(node: string): JeaFile[] {
    return [...(this.configured.get(node) ?? [])];
  }

  async installAgent(node: string, files: readonly JeaFile[], step: (title: string) => void, signal?: AbortSignal, gateway?: NodeGatewayConfig): Promise<AgentInstallResult> {
    const n = this.node(node);
    // The same path rules as a real install, so the simulator accepts nothing a node would refuse.
    for (const f of files) {
      const problem = agentFilePathProblem(f.path);
      if (problem) throw new RangeError(`Refused to send the agent to ${node}: ${JSON.stringify(f.path)} ${problem}`);
    }
    const problem = gateway ? nodeGatewayConfigProblem(gateway) : null;
    if (problem) throw new RangeError(`Refused to send the agent to ${node}: ${problem}`);
    for (const title of INSTALL_STEPS) {
      step(title);
      await this.pause(signal);
      if (!this.state.isOnline(n)) throw new Error(`${node} does not answer on WinRM (port 5985); bring it online and install again`);
      if (title.startsWith('Checking') && this.state.moduleVersion(n) === null) {
        throw new Error(`Az.StackHCI is not installed on ${node}; run Install-Module -Name Az.StackHCI there first`);
      }
    }
    for (const level of ACCESS_LEVELS) {
      if (!files.some((f) => f.path === sessionConfigurationPath(level))) {
        throw new Error(`the agent package for ${node} has no ${endpointName(level)}.pssc session configuration`);
      }
    }
    this.deployed.set(node, files.map((f) => ({ ...f })));
    if (gateway) {
      this.configured.set(node, [
        { path: NODE_GATEWAY_CONFIG_PATH, content: nodeGatewayJson(gateway) },
        { path: NODE_CREDENTIAL_PATH, content: gateway.credential },
      ]);
    } else {
      this.configured.delete(node);
    }
    this.jeaRegistered.add(node);
    return { version: AGENT_VERSION };
  }

  async removeAgent(node: string, step: (title: string) => void, signal?: AbortSignal): Promise<void> {
    const n = this.node(node);
    for (const title of REMOVE_STEPS) {
      step(title);
      await this.pause(signal);
      if (!this.state.isOnline(n)) throw new Error(`${node} does not answer on WinRM (port 5985); bring it online and remove again`);
    }
    this.jeaRegistered.delete(node);
    this.deployed.delete(node);
    this.configured.delete(node);
  }

  /** Restores what a previous run of the gateway recorded as installed. */
  restoreInstalled(nodes: string[]): void {
    for (const n of nodes) {
      const name = this.state.resolveNode(n);
      if (name) this.jeaRegistered.add(name);
    }
  }

  /** The node's name as the cluster spells it. */
  private node(name: string): string {
    const n = this.state.resolveNode(name);
    if (!n) throw new Error(`${name} is not a node of ${this.state.fqdn}`);
    return n;
  }

  private pause(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(new Error('cancelled'));
    if (this.stepDelayMs <= 0) return Promise.resolve();
    // On the cluster's clock, so a test moves installs step by step.
    return new Promise((resolve, reject) => {
      const t = startTimeout(this.state.clock, this.stepDelayMs, resolve);
      signal?.addEventListener('abort', () => { t.dispose(); reject(new Error('cancelled')); }, { once: true });
    });
  }
}
