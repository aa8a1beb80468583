import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Waits until `condition` holds, looking again every few milliseconds. It
 * waits for an event, not for a time: there is no deadline of its own, so a
 * loaded machine only makes it slower, and the test runner's timeout ends a
 * wait that never comes.
 */
export async function until(condition: () => boolean, everyMs = 20): Promise<void> {
  while (!condition()) await new Promise<void>((resolve) => setTimeout(resolve, everyMs));
}

/**
 * The file the HCI test modules append a command's name to as it starts to
 * block (the Hang hook; see powershell/test/Build-HciTestModules.ps1). Put
 * `env` into the PowerShell's environment, then `await reached(cmdlet)`
 * instead of sleeping and hoping the command got that far.
 */
export class HangMarker {
  readonly path = join(mkdtempSync(join(tmpdir(), 'hci-hang-')), 'hung.txt');
  readonly env = { HCI_TEST_HANG_MARKER: this.path };

  /** The commands that have started to block, in order. */
  hung(): string[] {
    return existsSync(this.path) ? readFileSync(this.path, 'utf8').split('\n').filter(Boolean) : [];
  }

  /** Resolves once `cmdlet` has started to block `times` times in all. */
  reached(cmdlet: string, times = 1): Promise<void> {
    return until(() => this.hung().filter((c) => c.toLowerCase() === cmdlet.toLowerCase()).length >= times);
  }
}
