import type { AgentOperation, AgentState, AgentStore, NodeAgent, NodeProgress, OperationKind, OperationStatus } from '../ports/store-ports';
import { Db } from './database';

interface OperationRow {
  id: string;
  cluster: string;
  kind: OperationKind;
  status: OperationStatus;
  started_at: number;
  finished_at: number | null;
  started_by: string;
  started_by_id: string | null;
  progress: string;
}

interface NodeRow {
  node: string;
  state: AgentState;
  version: string | null;
  detail: string | null;
  updated_at: number;
}

function toOperation(r: OperationRow): AgentOperation {
  return {
    id: r.id,
    cluster: r.cluster,
    kind: r.kind,
    status: r.status,
    startedAt: new Date(r.started_at).toISOString(),
    finishedAt: r.finished_at === null ? null : new Date(r.finished_at).toISOString(),
    startedBy: r.started_by,
    startedById: r.started_by_id ?? null,
    nodes: JSON.parse(r.progress) as NodeProgress[],
  };
}

/** The agent state of each node and the install and remove operations, in SQLite. */
export class AgentLedger implements AgentStore {
  constructor(private readonly db: Db) {}

  recoverAfterRestart(now: number): number {
    return this.db.transaction(() => {
      this.db
        .prepare("UPDATE agent_nodes SET state = 'Failed', detail = 'Interrupted by a gateway restart; run it again', updated_at = ? WHERE state IN ('Installing', 'Removing')")
        .run(now);
      return this.db.prepare("UPDATE agent_operations SET status = 'interrupted', finished_at = ? WHERE status = 'running'").run(now).changes;
    })();
  }

  nodeStates(cluster: string): Map<string, Omit<NodeAgent, 'node'>> {
    const rows = this.db.prepare('SELECT * FROM agent_nodes WHERE cluster = ?').all(cluster) as NodeRow[];
    return new Map(rows.map((r) => [r.node, { state: r.state, version: r.version, detail: r.detail, updatedAt: r.updated_at }]));
  }

  beginOperation(op: { id: string; cluster: string; kind: OperationKind; startedAt: number; startedBy: string; startedById: string | null; nodes: NodeProgress[] }, busyState: AgentState): void {
    this.db.transaction(() => {
      this.db
        .prepare("INSERT INTO agent_operations (id, cluster, kind, status, started_at, started_by, started_by_id, progress) VALUES (?, ?, ?, 'running', ?, ?, ?, ?)")
        .run(op.id, op.cluster, op.kind, op.startedAt, op.startedBy, op.startedById, JSON.stringify(op.nodes));
      for (const p of op.nodes) this.setNode(op.cluster, p.node, busyState, null, null, op.startedAt);
    })();
  }

  saveProgress(id: string, nodes: readonly NodeProgress[]): void {
    this.db.prepare('UPDATE agent_operations SET progress = ? WHERE id = ?').run(JSON.stringify(nodes), id);
  }

  finishOperation(id: string, status: OperationStatus, finishedAt: number, nodes: readonly NodeProgress[]): void {
    this.db.prepare('UPDATE agent_operations SET status = ?, finished_at = ?, progress = ? WHERE id = ?').run(status, finishedAt, JSON.stringify(nodes), id);
  }

  setNode(cluster: string, node: string, state: AgentState, version: string | null, detail: string | null, at: number): void {
    this.db
      .prepare(
        `INSERT INTO agent_nodes (cluster, node, state, version, detail, updated_at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (cluster, node) DO UPDATE SET state = excluded.state, version = excluded.version, detail = excluded.detail, updated_at = excluded.updated_at`,
      )
      .run(cluster, node, state, version, detail, at);
  }

  operation(id: string): AgentOperation | null {
    const row = this.db.prepare('SELECT * FROM agent_operations WHERE id = ?').get(id) as OperationRow | undefined;
    return row ? toOperation(row) : null;
  }

  latest(cluster: string): AgentOperation | null {
    const row = this.db
      .prepare('SELECT * FROM agent_operations WHERE cluster = ? ORDER BY started_at DESC, rowid DESC LIMIT 1')
      .get(cluster) as OperationRow | undefined;
    return row ? toOperation(row) : null;
  }
}
