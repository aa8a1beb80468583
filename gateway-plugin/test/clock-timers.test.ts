import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { startTimeout } from '../src/domain/clock';
import { FakeClock } from '../src/test-support/fake-clock';

const CLOCK_MODULE = join(__dirname, '..', 'src', 'domain', 'clock.js');
const TEST_CLOCK_MODULE = join(__dirname, '..', 'src', 'test-support', 'test-clock.js');

/** Runs `body` in a fresh node with the clock module as `clock`, and returns what it printed once it exited. */
function inChild(body: string): Promise<string> {
  const script = `const clock = require(${JSON.stringify(CLOCK_MODULE)});\n${body}`;
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['-e', script], (error, stdout, stderr) => (error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout)));
  });
}

describe('timeouts on the injected clock', () => {
  it('fires a timeout when the fake clock reaches it, not 1 ms before', () => {
    const clock = new FakeClock();
    let fired = 0;
    startTimeout(clock, 1500, () => fired++);
    clock.advance(1499);
    assert.equal(fired, 0);
    clock.advance(1);
    assert.equal(fired, 1);
    clock.advance(10_000);
    assert.equal(fired, 1, 'once');
    assert.equal(clock.pendingTimers, 0);
  });

  it('never fires a disposed timeout', () => {
    const clock = new FakeClock();
    let fired = false;
    const timeout = startTimeout(clock, 100, () => (fired = true));
    timeout.dispose();
    clock.advance(1000);
    assert.equal(fired, false);
  });

  it('measures from the moment it starts on the clock, as moved so far', () => {
    const clock = new FakeClock();
    clock.advance(5000);
    const fired: number[] = [];
    startTimeout(clock, 300, () => fired.push(clock.now()));
    clock.advance(299);
    assert.deepEqual(fired, []);
    clock.advance(1);
    assert.deepEqual(fired, [clock.now()]);
  });

  it('keeps the process alive until a timeout on the system clock fires, where an expiry timer does not', async () => {
    assert.equal(await inChild(`clock.startTimeout(new clock.SystemClock(), 50, () => console.log('timeout fired'));`), 'timeout fired\n');
    assert.equal(await inChild(`const c = new clock.SystemClock(); c.setTimer(c.now() + 50, () => console.log('expiry fired'));`), '');
  });

  it('fires a timeout on a test-mode system clock as soon as the clock is moved past it', async () => {
    // An hour's timeout: only the move can make it fire while the child is alive.
    const printed = await inChild(`const { TestClock } = require(${JSON.stringify(TEST_CLOCK_MODULE)}); const c = new TestClock(); const t = clock.startTimeout(c, 3_600_000, () => console.log('fired')); c.advance(3_600_000);`);
    assert.equal(printed, 'fired\n');
  });
});
