import { randomUUID } from 'node:crypto';
import { closeSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { resolve } from 'node:path';

/**
 * The embedded database is one process's: two PGlite instances on one directory both migrate,
 * seed and write, and one's commits silently overwrite the other's. A lock file beside the
 * directory names the holder; a second process refuses to start, naming it.
 *
 * A crashed holder never blocks the next start: the file holds the holder's PID, and a PID that
 * no longer runs (checked with signal 0) marks it stale. A PID equal to our own that this process
 * did not take is stale too (a container restarted as PID 1 finds its previous self's file).
 */
export class DataDirLockedError extends Error {
  constructor(
    readonly lockPath: string,
    readonly holderPid: number,
  ) {
    super(
      `The embedded database is already open in process ${holderPid} (lock file ${lockPath}). ` +
        'Only one process may open it: stop that process first (`pnpm start` hosts the HTTP API and the scheduler in one process), ' +
        'or set DATABASE_URL to use PostgreSQL. If no storefront process runs as that PID, delete the lock file.',
    );
    this.name = 'DataDirLockedError';
  }
}

export interface DataDirLock {
  readonly path: string;
  release(): void;
}

interface LockContent {
  pid: number;
  token: string;
  host: string;
  since: string;
}

/** Locks this process holds, by path: our own PID in a file we did not write is a stale one. */
const heldHere = new Map<string, string>();

/** A guard held for the few statements that replace a stale lock; older than this, its taker died. */
const GUARD_STALE_MS = 5_000;

export function lockDataDir(dataDir: string): DataDirLock {
  const path = `${resolve(dataDir)}.lock`;
  if (heldHere.has(path)) throw new DataDirLockedError(path, process.pid);
  const content: LockContent = { pid: process.pid, token: randomUUID(), host: hostname(), since: new Date().toISOString() };
  for (let attempt = 0; attempt < 20; attempt++) {
    if (tryCreate(path, content)) return held(path, content.token);
    const holder = readHolder(path);
    if (holder !== undefined && isAlive(holder)) throw new DataDirLockedError(path, holder.pid);
    // A file without a readable holder may be one being written this instant: stale only once old.
    if (holder !== undefined || ageMs(path) > GUARD_STALE_MS) replaceStale(path, holder?.token);
    else sleepMs(50);
  }
  throw new Error(`Could not take the lock ${path}: it keeps changing hands`);
}

function held(path: string, token: string): DataDirLock {
  heldHere.set(path, token);
  const release = (): void => {
    if (heldHere.get(path) !== token) return;
    heldHere.delete(path);
    process.removeListener('exit', release);
    if (readHolder(path)?.token === token) unlinkQuietly(path);
  };
  // A process that exits without closing the database (process.exit after a failed start) still
  // leaves no file behind; only a crash does, and that one is recognised as stale.
  process.once('exit', release);
  return { path, release };
}

function tryCreate(path: string, content: LockContent): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o644);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
  try {
    writeSync(fd, `${JSON.stringify(content)}\n`);
  } finally {
    closeSync(fd);
  }
  return true;
}

/** Undefined when the file is gone, empty or unreadable (a holder that died mid-write). */
function readHolder(path: string): LockContent | undefined {
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as Partial<LockContent>;
    if (typeof parsed.pid === 'number' && Number.isInteger(parsed.pid) && parsed.pid > 0 && typeof parsed.token === 'string') {
      return parsed as LockContent;
    }
  } catch {
    // fall through: unreadable content belongs to nobody
  }
  return undefined;
}

function isAlive(holder: LockContent): boolean {
  if (holder.host !== hostname()) return true; // another machine's process: we cannot tell, so we do not steal
  // Our own PID in a file this process did not write (it would be in `heldHere`): a previous
  // life of this PID, e.g. a container's PID 1 before a restart.
  if (holder.pid === process.pid) return false;
  try {
    process.kill(holder.pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes the stale lock file, but only the one we judged stale: under a short guard (itself a
 * `wx` file), and only if it still carries the token we read, so two starters that both saw a
 * dead holder cannot both remove it and each believe they hold the lock.
 */
function replaceStale(path: string, staleToken: string | undefined): void {
  const guard = `${path}.takeover`;
  if (!tryCreate(guard, { pid: process.pid, token: randomUUID(), host: hostname(), since: new Date().toISOString() })) {
    if (ageMs(guard) > GUARD_STALE_MS) unlinkQuietly(guard);
    else sleepMs(50);
    return;
  }
  try {
    const current = readHolder(path);
    if (current?.token === staleToken) {
      // Renamed aside first, then removed: a reader never sees a half-removed file.
      const aside = `${path}.stale-${randomUUID()}`;
      try {
        renameSync(path, aside);
        unlinkQuietly(aside);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
    }
  } finally {
    unlinkQuietly(guard);
  }
}

/** 0 when the file is gone: nothing to judge stale. */
function ageMs(path: string): number {
  try {
    return Date.now() - statSync(path).mtimeMs;
  } catch {
    return 0;
  }
}

/** Start-up only, and rare (a contended takeover): a plain synchronous pause. */
function sleepMs(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}
