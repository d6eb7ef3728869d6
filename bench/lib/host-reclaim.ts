import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/*
 * The page reclaim this machine's host runs inside the VM: Linux's DAMON, whose kernel threads
 * (`kdamond`) sample the guest's physical memory for cold pages to page out. On the 2-core
 * machine the bench was built on, one kdamond samples every 500 ms and runs 20–40 ms each time
 * on one of the two cores (25–80 ms of CPU a second under load, in bursts), and the open loop's
 * stalls come at the same period. The open loop cannot tell that core's absence from the
 * service's own queue, so the bench measures it: the kdamonds' CPU time during each run, and —
 * where it may (root, DAMON's sysfs) — the same rates again with the monitors paused, resumed
 * right after. Resuming restarts a monitor with fresh regions; its cost is back within a
 * minute. A run killed while they were paused leaves a marker, and the next run resumes them.
 */

const KDAMONDS = '/sys/kernel/mm/damon/admin/kdamonds';

export class HostReclaim {
  private paused = false;

  private constructor(
    /** The sysfs directories of the kdamonds that were on. */
    private readonly monitors: readonly string[],
    private readonly markerFile: string,
    /** Whether this process may pause them (root); it can measure them either way. */
    readonly canPause: boolean,
  ) {}

  /**
   * The running kdamonds, when there are some and their sysfs can be read; null otherwise.
   * `kdamonds` and `mayWrite` are the system's unless a test gives its own.
   */
  static detect(markerFile: string, kdamonds = KDAMONDS, mayWrite = process.getuid?.() === 0): HostReclaim | null {
    if (mayWrite) resumeLeftovers(markerFile);
    try {
      const monitors = readdirSync(kdamonds)
        .filter((name) => /^\d+$/.test(name))
        .map((name) => join(kdamonds, name))
        .filter((dir) => readState(dir) === 'on');
      return monitors.length > 0 ? new HostReclaim(monitors, markerFile, mayWrite) : null;
    } catch {
      return null;
    }
  }

  /** CPU time the monitors have used so far, in ms (`/proc/<pid>/schedstat`: time on a CPU, in ns). */
  cpuMs(): number {
    let ns = 0;
    for (const dir of this.monitors) {
      try {
        const pid = readFileSync(join(dir, 'pid'), 'utf8').trim();
        ns += Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[0]);
      } catch {
        // Paused (no thread) or gone: it uses nothing.
      }
    }
    return ns / 1e6;
  }

  /** Runs `work` with the monitors paused, and resumes them after, whatever `work` did. */
  async pausedWhile<T>(work: () => Promise<T>): Promise<T> {
    if (!this.canPause) throw new Error('Only root may pause the host\'s page reclaim');
    mkdirSync(dirname(this.markerFile), { recursive: true });
    writeFileSync(this.markerFile, `${this.monitors.join('\n')}\n`);
    this.paused = true;
    for (const dir of this.monitors) writeState(dir, 'off');
    try {
      return await work();
    } finally {
      this.resume();
    }
  }

  /** Turns the monitors this run paused back on (also what an interrupted run calls). */
  resume(): void {
    if (!this.paused) return;
    for (const dir of this.monitors) if (readState(dir) === 'off') writeState(dir, 'on');
    rmSync(this.markerFile, { force: true });
    this.paused = false;
  }
}

const readState = (dir: string): string => readFileSync(join(dir, 'state'), 'utf8').trim();
const writeState = (dir: string, state: 'on' | 'off'): void => writeFileSync(join(dir, 'state'), state);

function resumeLeftovers(markerFile: string): void {
  if (!existsSync(markerFile)) return;
  for (const dir of readFileSync(markerFile, 'utf8').split('\n').filter(Boolean)) {
    try {
      if (readState(dir) === 'off') writeState(dir, 'on');
    } catch {
      // Gone since: nothing to resume.
    }
  }
  rmSync(markerFile, { force: true });
}
