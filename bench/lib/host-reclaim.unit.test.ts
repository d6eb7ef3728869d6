import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HostReclaim } from './host-reclaim';

// A stand-in for DAMON's sysfs (kdamonds/<n>/state and pid): the test pauses nothing real.
describe('the host page reclaim pause', () => {
  let dir: string;
  let kdamonds: string;
  let marker: string;
  const state = (n: number): string => readFileSync(join(kdamonds, String(n), 'state'), 'utf8');

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'kdamonds-'));
    kdamonds = join(dir, 'kdamonds');
    marker = join(dir, 'out', 'host-reclaim-paused');
    for (const [n, on] of [[0, 'on'], [1, 'off']] as const) {
      mkdirSync(join(kdamonds, String(n)), { recursive: true });
      writeFileSync(join(kdamonds, String(n), 'state'), on);
      writeFileSync(join(kdamonds, String(n), 'pid'), String(process.pid));
    }
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('pauses only the monitors that were on, and resumes them even when the work throws', async () => {
    const reclaim = HostReclaim.detect(marker, kdamonds, true);
    expect(reclaim).not.toBeNull();
    await expect(
      reclaim!.pausedWhile(async () => {
        expect([state(0), state(1)]).toEqual(['off', 'off']);
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect([state(0), state(1)]).toEqual(['on', 'off']);
  });

  it('resumes what a killed run left paused', () => {
    mkdirSync(join(dir, 'out'));
    writeFileSync(marker, `${join(kdamonds, '0')}\n`);
    writeFileSync(join(kdamonds, '0', 'state'), 'off');
    expect(HostReclaim.detect(marker, kdamonds, true)?.canPause).toBe(true);
    expect(state(0)).toBe('on');
    expect(HostReclaim.detect(marker, join(dir, 'none'), true)).toBeNull();
  });

  it('only measures where it may not write', async () => {
    const reclaim = HostReclaim.detect(marker, kdamonds, false);
    expect(reclaim?.canPause).toBe(false);
    await expect(reclaim!.pausedWhile(() => Promise.resolve())).rejects.toThrow(/root/);
    expect(state(0)).toBe('on');
  });

  it('reads the monitors\' CPU time from /proc', () => {
    expect(HostReclaim.detect(marker, kdamonds, true)!.cpuMs()).toBeGreaterThan(0);
  });
});
