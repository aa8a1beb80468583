import { readFileSync } from 'node:fs';
import { DEFAULT_PROXY_ENDPOINTS } from '../cluster/proxy-endpoints';
import { matches, NODE_NAME } from '../domain/identifiers';
import defaultFixture from './fixtures/hci-cluster.json';

/** A simulated cluster as a JSON file describes it: nodes, registration and prerequisites (and, for the executor, objects and faults). */
export interface SimulatedClusterFixture {
  name: string;
  registered: boolean;
  domain: string;
  kdsRootKey: { present: boolean; effectiveTime?: string };
  /** The endpoints the prerequisites probe; a fixture without them reaches every default endpoint. */
  proxyEndpoints: { endpoint: string; probe: string; reachable: boolean }[];
  nodes: { name: string; online: boolean; azStackHciModuleVersion: string | null }[];
}

/** Loads a cluster fixture from a JSON file, or the built-in 4-node cluster when no path is given. */
export function loadFixture(path?: string): SimulatedClusterFixture {
  const raw = (path ? JSON.parse(readFileSync(path, 'utf8')) : structuredClone(defaultFixture)) as Omit<SimulatedClusterFixture, 'proxyEndpoints'> & Partial<SimulatedClusterFixture>;
  // The simulated cluster's nodes follow the same naming rule as a real cluster's.
  for (const node of raw.nodes ?? []) {
    if (!matches(NODE_NAME, node.name)) throw new Error(`${path}: node ${JSON.stringify(node.name)} is not ${NODE_NAME.allowed}`);
  }
  return { ...raw, proxyEndpoints: raw.proxyEndpoints ?? DEFAULT_PROXY_ENDPOINTS.map((p) => ({ ...p, reachable: true })) };
}
