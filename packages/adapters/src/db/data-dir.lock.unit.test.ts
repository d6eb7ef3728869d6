import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DataDirLockedError, lockDataDir } from './data-dir.lock';

const made: string[] = [];
afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'storefront-lock-'));
  made.push(dir);
  return join(dir, 'pglite');
}

/** A PID that certainly ran and certainly ended: a child that has exited and been reaped. */
const holderOf = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as { pid: number; token: string; host: string };

function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  return Number(child.stdout.toString());
}

describe('lockDataDir', () => {
  it('writes the holder PID beside the directory and removes it on release', () => {
    const dir = dataDir();
    const lock = lockDataDir(dir);
    expect(lock.path).toBe(`${dir}.lock`);
    expect(JSON.parse(readFileSync(lock.path, 'utf8'))).toMatchObject({ pid: process.pid, host: hostname() });
    lock.release();
    expect(existsSync(lock.path)).toBe(false);
    lockDataDir(dir).release();
  });

  it('refuses a second opener while the holder runs, naming its PID', () => {
    const dir = dataDir();
    const lock = lockDataDir(dir);
    try {
      expect(() => lockDataDir(dir)).toThrow(DataDirLockedError);
      expect(() => lockDataDir(dir)).toThrow(new RegExp(`process ${process.pid}`));
    } finally {
      lock.release();
    }
  });

  it('takes over the lock of a holder that died without releasing it', () => {
    const dir = dataDir();
    const pid = deadPid();
    writeFileSync(`${dir}.lock`, JSON.stringify({ pid, token: 'crashed', host: hostname(), since: new Date().toISOString() }));
    const lock = lockDataDir(dir);
    expect(JSON.parse(readFileSync(lock.path, 'utf8'))).toMatchObject({ pid: process.pid });
    lock.release();
  });

  it('takes over a file naming its own PID that it did not write (a restarted container is PID 1 again)', () => {
    const dir = dataDir();
    writeFileSync(`${dir}.lock`, JSON.stringify({ pid: process.pid, token: 'previous-life', host: hostname(), since: new Date(0).toISOString() }));
    const lock = lockDataDir(dir);
    expect(holderOf(lock.path).token).not.toBe('previous-life');
    lock.release();
  });

  it('does not release a lock that another holder took over meanwhile', () => {
    const dir = dataDir();
    const lock = lockDataDir(dir);
    writeFileSync(lock.path, JSON.stringify({ pid: 1, token: 'someone-else', host: hostname(), since: new Date().toISOString() }));
    lock.release();
    expect(holderOf(`${dir}.lock`).token).toBe('someone-else');
  });
});
