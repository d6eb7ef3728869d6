import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * A server started by the benchmark, in its own process group so that stopping it also stops
 * whatever it spawned; nothing else is ever signalled.
 */
export interface ChildServer {
  name: string;
  pid: number;
  /** Resolves with the exit code (or signal) once the process group is gone. */
  stop(): Promise<string>;
  /** SIGKILL to the whole group, no drain: a crash. Resolves once the leader has exited. */
  kill(): Promise<string>;
  exited(): boolean;
}

export interface ChildServerOptions {
  name: string;
  command: string;
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  logFile: string;
  /** Polled with GET until it answers 200; or, for a process with no HTTP port, */
  readyUrl?: string;
  /** a line of its output that says it is ready. */
  readyLine?: RegExp;
  readyTimeoutMs: number;
}

const running = new Set<ChildServer>();

// Whatever ends the benchmark, no server it started outlives it.
process.once('exit', () => {
  for (const server of running) {
    try {
      process.kill(-server.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

export async function startChildServer(o: ChildServerOptions): Promise<ChildServer> {
  mkdirSync(dirname(o.logFile), { recursive: true });
  const log = createWriteStream(o.logFile, { flags: 'w' });
  const child: ChildProcess = spawn(o.command, o.args, { cwd: o.cwd, env: o.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.pipe(log, { end: false });
  let output = '';
  const readyLine = o.readyLine;
  if (readyLine) {
    const watch = (chunk: Buffer): void => {
      output = (output + chunk.toString()).slice(-10_000);
      if (readyLine.test(output)) child.stdout?.off('data', watch);
    };
    child.stdout?.on('data', watch);
  }
  child.stderr?.pipe(log, { end: false });
  if (child.pid === undefined) throw new Error(`${o.name}: could not start ${o.command}`);
  const pid = child.pid;
  const state: { exit: string | null } = { exit: null };
  const exit = new Promise<string>((resolve) => {
    child.once('exit', (code, signal) => {
      state.exit = signal ?? `exit ${code ?? '?'}`;
      resolve(state.exit);
    });
  });

  const signalGroup = (signal: NodeJS.Signals): void => {
    try {
      process.kill(-pid, signal);
    } catch {
      // already gone
    }
  };
  const server: ChildServer = {
    name: o.name,
    pid,
    exited: () => state.exit !== null,
    stop: async () => {
      running.delete(server);
      if (state.exit === null) {
        signalGroup('SIGTERM');
        const outcome = await Promise.race([exit, sleep(10_000).then(() => null)]);
        if (outcome === null) {
          signalGroup('SIGKILL');
          await exit;
        }
      }
      // Children of the group (tsx's node) may outlive the leader briefly.
      signalGroup('SIGKILL');
      log.end();
      return state.exit ?? 'killed';
    },
    kill: async () => {
      running.delete(server);
      signalGroup('SIGKILL');
      const outcome = await exit;
      log.end();
      return outcome;
    },
  };
  running.add(server);

  const deadline = Date.now() + o.readyTimeoutMs;
  for (;;) {
    if (state.exit !== null) {
      await server.stop();
      throw new Error(`${o.name} exited (${state.exit}) before it was ready; see ${o.logFile}`);
    }
    if (o.readyUrl !== undefined) {
      try {
        const res = await fetch(o.readyUrl, { signal: AbortSignal.timeout(1_000) });
        await res.arrayBuffer();
        if (res.status === 200) return server;
      } catch {
        // not listening yet
      }
    } else if (readyLine?.test(output)) {
      return server;
    }
    if (Date.now() > deadline) {
      await server.stop();
      throw new Error(`${o.name} was not ready (${o.readyUrl ?? String(o.readyLine)}) within ${o.readyTimeoutMs} ms; see ${o.logFile}`);
    }
    await sleep(250);
  }
}

/** Stops every child still running: used on the way out, whatever went wrong. */
export async function stopAllChildServers(): Promise<void> {
  await Promise.all([...running].map((s) => s.stop()));
}

/**
 * Runs a command to completion, capturing its output; rejects on a non-zero exit other than
 * `acceptedExitCodes` (for a command whose output says more than its exit code, such as pgbench's
 * 2: the run went on but some clients aborted, which the caller reads from the output).
 */
export async function runCommand(
  command: string,
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs: number; acceptedExitCodes?: readonly number[] },
): Promise<{ stdout: string; stderr: string }> {
  const child = spawn(command, args, { cwd: options.cwd, env: options.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const timer = setTimeout(() => {
    if (child.pid !== undefined) {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
  }, options.timeoutMs);
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (c, s) => resolve([c, s]));
  });
  clearTimeout(timer);
  if (code !== 0 && (code === null || !options.acceptedExitCodes?.includes(code))) {
    throw new Error(`${command} ${args.join(' ')} failed (${signal ?? `exit ${code}`}):\n${stderr || stdout}`);
  }
  return { stdout, stderr };
}
