// The WAL checkpoint worker's thread (see WalCheckpointer): a read-write connection that only checkpoints.
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { DATABASE_FILE } from './database';
import type { CheckpointResult } from './wal-checkpointer';

const { dataDir, intervalMs } = workerData as { dataDir: string; intervalMs: number };
const db = new Database(join(dataDir, DATABASE_FILE), { fileMustExist: true });
// PASSIVE: copy what no reader still needs, without waiting for any lock.
const checkpoint = () => (db.pragma('wal_checkpoint(PASSIVE)') as CheckpointResult[])[0]!;
setInterval(checkpoint, intervalMs);
parentPort!.on('message', () => parentPort!.postMessage(checkpoint()));
