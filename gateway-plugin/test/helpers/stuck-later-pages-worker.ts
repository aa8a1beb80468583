// A read worker that answers a search's first page and never a later one (a page asked with a cursor): it raises
// the flag in workerData when such a page arrives, so a test can move the clock past the search's budget then.
import { MessagePort, parentPort, workerData } from 'node:worker_threads';
import { ReadRequest, serveReads } from '../../src/store/record-reader';

function serveFirstPages(port: MessagePort): void {
  const { dataDir, flag } = workerData as { dataDir: string; flag: SharedArrayBuffer };
  const cells = new Int32Array(flag);
  serveReads(
    {
      on: (event, listener) =>
        port.on(event, (request: ReadRequest) => {
          if (request.op === 'search' && request.before !== null) {
            Atomics.store(cells, 0, 1);
            return;
          }
          listener(request);
        }),
      postMessage: (reply, transfer) => port.postMessage(reply, transfer ?? []),
    },
    dataDir,
  );
}

// The test runner loads every file under dist/test: outside a worker this one does nothing.
if (parentPort) serveFirstPages(parentPort);
