import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { powershellRoot } from '../../src/executors/powershell-files';
import { HciFixtureOptions, writeHciFixture } from './hci-fixture';
import { PWSH } from './pwsh';

/**
 * A cluster of "nodes" on this machine for running the product's real
 * PowerShell under real pwsh: each node is a folder (its C: drive), reached
 * through the local transport (powershell/test/RemoteSupport.LocalTransport.psm1)
 * at the same seam as WinRM, with the stand-in HCI modules answering from
 * the simulated cluster's snapshot.
 */

export const LOCAL_TRANSPORT = join(powershellRoot(), 'test', 'RemoteSupport.LocalTransport.psm1');

export interface LocalCluster {
  root: string;
  nodesRoot: string;
  modules: string;
  fixture: string;
  /** The log of sessions opened, one `node|endpoint` line each. */
  openLog: string;
  /** The environment pwsh needs to reach the nodes. */
  env: NodeJS.ProcessEnv;
  nodeRoot(node: string): string;
  /** Takes a node off the network (its sessions break, new ones fail) or back on. */
  setOffline(node: string, offline: boolean): void;
  /** Puts an Az.StackHCI module of this version into the node's Modules folder. */
  installAzStackHci(node: string, version: string): void;
  remove(): void;
}

const builds = new Map<string, Promise<void>>();

/** Compiles the stand-in HCI modules into `dir` (skipped when up to date), once per process and folder. */
export function buildHciTestModules(dir: string): Promise<void> {
  let build = builds.get(dir);
  if (!build) {
    build = new Promise<void>((resolve, reject) => {
      execFile(PWSH, ['-NoLogo', '-NoProfile', '-NonInteractive', '-File', join(powershellRoot(), 'test', 'Build-HciTestModules.ps1'), '-OutputDirectory', dir], { timeout: 300_000 }, (error, _stdout, stderr) => {
        if (error) reject(new Error(`Build-HciTestModules.ps1 failed: ${error.message}\n${stderr}`));
        else resolve();
      });
    });
    builds.set(dir, build);
  }
  return build;
}

/**
 * Where the compiled stand-in modules are kept between runs: one folder per
 * checkout and `suite`, so test files running at once never compile into the
 * same folder.
 */
export function hciTestModulesDir(suite: string): string {
  return join(tmpdir(), `hci-test-modules-${createHash('sha1').update(powershellRoot()).digest('hex').slice(0, 10)}-${suite}`);
}

/**
 * Makes a local cluster with these nodes. `suite` names the folder the
 * compiled modules are kept in between runs (one per test file, so files
 * running at once never compile into the same folder).
 */
export async function localCluster(suite: string, nodes: readonly string[], options: HciFixtureOptions = {}): Promise<LocalCluster> {
  const modules = hciTestModulesDir(suite);
  await buildHciTestModules(modules);
  const root = mkdtempSync(join(tmpdir(), `local-cluster-${suite}-`));
  const nodesRoot = join(root, 'nodes');
  for (const node of nodes) mkdirSync(join(nodesRoot, node.toLowerCase()), { recursive: true });
  const fixture = join(root, 'fixture.json');
  writeHciFixture(fixture, undefined, options);
  const openLog = join(root, 'opened.log');
  const nodeRoot = (node: string) => join(nodesRoot, node.toLowerCase());
  return {
    root,
    nodesRoot,
    modules,
    fixture,
    openLog,
    env: { ...process.env, RS_LOCAL_NODES_ROOT: nodesRoot, HCI_TEST_MODULES: modules, HCI_TEST_FIXTURE: fixture, RS_LOCAL_OPEN_LOG: openLog },
    nodeRoot,
    setOffline(node, offline) {
      const marker = join(nodeRoot(node), 'offline');
      if (offline) writeFileSync(marker, '');
      else rmSync(marker, { force: true });
    },
    installAzStackHci(node, version) {
      const dir = join(nodeRoot(node), 'Program Files', 'WindowsPowerShell', 'Modules', 'Az.StackHCI', version);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'Az.StackHCI.psd1'), `@{ ModuleVersion = '${version}'; GUID = '0c3b1e2a-5f7d-4e8b-9a6c-1d2e3f4a5b6c'; FunctionsToExport = @() }\n`);
    },
    remove() {
      rmSync(root, { recursive: true, force: true });
    },
  };
}
