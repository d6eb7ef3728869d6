/*
 * The service's young-generation collections (scavenges), read from its own /metrics: prom-client's
 * `nodejs_gc_duration_seconds{kind="minor"}` histogram, which a PerformanceObserver fills with
 * every collection V8 reports. Read before and after an open-loop rate, the difference says how
 * much of each second the service's event loop spent stopped for them. When finished requests'
 * objects survive scavenges (as they did while V8 pretenured per-request allocation sites,
 * bench/README.md, Findings), that figure grows many times, and the tails with it.
 */

/** Scavenges so far: how many, and their pauses summed, in seconds. */
export interface YoungCollections {
  count: number;
  seconds: number;
}

/** The minor-GC figures of a Prometheus text exposition; undefined when it has none. */
export function youngCollectionsIn(exposition: string): YoungCollections | undefined {
  const value = (series: 'sum' | 'count'): number | undefined => {
    const line = exposition.split('\n').find((l) => l.startsWith(`nodejs_gc_duration_seconds_${series}{`) && l.includes('kind="minor"'));
    const figure = line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
    return figure !== undefined && Number.isFinite(figure) ? figure : undefined;
  };
  const count = value('count');
  const seconds = value('sum');
  return count === undefined || seconds === undefined ? undefined : { count, seconds };
}

/** The service's figures now; undefined when /metrics does not answer with them. */
export async function readYoungCollections(baseUrl: string): Promise<YoungCollections | undefined> {
  try {
    const response = await fetch(`${baseUrl}/metrics`, { signal: AbortSignal.timeout(5_000) });
    return response.ok ? youngCollectionsIn(await response.text()) : undefined;
  } catch {
    return undefined;
  }
}

/** Stopped time per second of `elapsedSeconds`, and the mean pause, between two readings. */
export function youngCollectionsBetween(before: YoungCollections, after: YoungCollections, elapsedSeconds: number): { msPerSecond: number; meanPauseMs: number } {
  const count = after.count - before.count;
  const ms = (after.seconds - before.seconds) * 1_000;
  return { msPerSecond: ms / Math.max(elapsedSeconds, 0.001), meanPauseMs: count > 0 ? ms / count : 0 };
}
