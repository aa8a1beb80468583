// The entry of a read worker thread (see ReadPool): answers reads from its own read-only connection.
import { parentPort, workerData } from 'node:worker_threads';
import { serveReads } from './record-reader';

serveReads(parentPort!, (workerData as { dataDir: string }).dataDir);
