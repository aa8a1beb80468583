// A read worker that stops at a gate the test opens: before each verify and export, and at each candidate row of
// a search (inside the running SQLite statement). It proves a read runs on another thread, and makes a read as
// long as the test needs without a large data set.
import { MessagePort, parentPort, workerData } from 'node:worker_threads';
import { ReadRequest, serveReads } from '../../src/store/record-reader';

/** Serves reads on `port`, stopping at the gate in `workerData`. */
function serveGated(port: MessagePort): void {
  const { dataDir, gate } = workerData as { dataDir: string; gate: SharedArrayBuffer };
  const cells = new Int32Array(gate);
  // Counts the arrival, then waits while the gate is shut (cell 0 is 0); a terminate() ends the wait.
  const pass = (): void => {
    Atomics.add(cells, 1, 1);
    while (Atomics.load(cells, 0) === 0) Atomics.wait(cells, 0, 0, 20);
  };
  serveReads(
    {
      on: (event, listener) =>
        port.on(event, (request: ReadRequest) => {
          if (request.op !== 'search') pass();
          listener(request);
        }),
      postMessage: (reply, transfer) => port.postMessage(reply, transfer ?? []),
    },
    dataDir,
    pass,
  );
}

// The test runner loads every file under dist/test: outside a worker this one does nothing.
if (parentPort) serveGated(parentPort);
