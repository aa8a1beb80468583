import { statfsSync } from 'node:fs';

/** How much room the data disk has, as a session-opening decision sees it. */
export type DiskState = 'ok' | 'low' | 'full';

/** Free bytes available to the gateway's account on the disk holding the data directory. */
export type FreeSpaceProbe = () => number;

/** The real probe: statfs on the data directory. */
export function statfsProbe(dataDir: string): FreeSpaceProbe {
  return () => {
    const s = statfsSync(dataDir);
    return s.bavail * s.bsize;
  };
}

export interface DiskSpaceOptions {
  probe: FreeSpaceProbe;
  /** Below this many free bytes the gateway warns (log, status). */
  warnBelowBytes: number;
  /** Below this many free bytes no new session opens; running ones go on. */
  refuseBelowBytes: number;
  log: (line: string) => void;
}

/**
 * Watches the data disk's free space. Each check probes it (statfs is
 * cheap) and logs when the state changes, so a filling disk is reported
 * once, not on every session. Nothing here stops a write: entries already
 * acknowledged, and those of sessions already running, are never dropped
 * for lack of room; only new sessions are refused below the floor.
 */
export class DiskSpaceGuard {
  private last: DiskState = 'ok';
  private lastFree = Number.POSITIVE_INFINITY;

  constructor(private readonly options: DiskSpaceOptions) {}

  /** Probes the disk now. A probe that fails reads as ok: an unknown disk must not stop support. */
  check(): DiskState {
    let free: number;
    try {
      free = this.options.probe();
    } catch (e) {
      this.options.log(`data disk: free space unknown (${e instanceof Error ? e.message : String(e)})`);
      return 'ok';
    }
    const state: DiskState = free < this.options.refuseBelowBytes ? 'full' : free < this.options.warnBelowBytes ? 'low' : 'ok';
    if (state !== this.last) {
      const mb = (n: number) => `${Math.floor(n / 1024 / 1024)} MB`;
      const text = {
        ok: `data disk: ${mb(free)} free again; sessions open normally`,
        low: `data disk low: ${mb(free)} free (warning below ${mb(this.options.warnBelowBytes)}); new sessions are refused below ${mb(this.options.refuseBelowBytes)}`,
        full: `data disk full: ${mb(free)} free, below the floor of ${mb(this.options.refuseBelowBytes)}; new sessions are refused until space is freed`,
      }[state];
      this.options.log(text);
    }
    this.last = state;
    this.lastFree = free;
    return state;
  }

  /** The state and free bytes of the last check, for status. */
  get status(): { state: DiskState; freeBytes: number | null } {
    return { state: this.last, freeBytes: Number.isFinite(this.lastFree) ? this.lastFree : null };
  }
}
