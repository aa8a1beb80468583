import type { NodeExecutor } from '../executors/node-executor';
import { PowerShellNodeExecutor, PowerShellExecutorOptions } from '../executors/powershell-executor';
import type { ClusterBackend } from './cluster-backend';
import { PowerShellClusterOptions, PowerShellClusterTarget } from './powershell-cluster';

/** A real cluster: the agent installed and commands run through PowerShell remoting. */
export class PowerShellBackend implements ClusterBackend {
  readonly target: PowerShellClusterTarget;
  readonly executor: NodeExecutor;

  constructor(target: PowerShellClusterOptions, executor: Omit<PowerShellExecutorOptions, 'nodes'> | NodeExecutor) {
    this.target = new PowerShellClusterTarget(target);
    this.executor = 'run' in executor ? executor : new PowerShellNodeExecutor({ nodes: target.nodes, ...executor });
  }

  dispose(): void {
    this.executor.dispose?.();
    this.target.dispose();
  }
}
