import type { RelayOutboxEvents, RelayPassResult } from '@storefront/application';
import type { SchedulerLogger } from './logger';

export interface RelayLoopOptions {
  /** The relay's batch size: a full batch means more are waiting, so the next pass starts at once. */
  batchSize: number;
  /** Pause after a pass that found less than a full batch: new events go out within about this. */
  pollIntervalMs: number;
  /** Pause after a pass that failed (the database unreachable, say) before trying again. */
  errorDelayMs: number;
  /**
   * Passes run side by side (default 1). While one pass waits on the platform, another claims and
   * records: they claim disjoint events, exactly as separate relays do.
   */
  concurrency?: number;
}

/**
 * Runs relay passes one after another for as long as the process lives: immediately again after
 * a full batch, after a short poll otherwise. `stop()` lets the pass in flight finish (its
 * deliveries are recorded; nothing is left claimed until the lease) and resolves after it.
 */
export class OutboxRelayLoop {
  private running: Promise<void> | undefined;
  private stopping = false;
  private readonly wakers = new Set<() => void>();

  constructor(
    private readonly relay: Pick<RelayOutboxEvents, 'execute'>,
    private readonly options: RelayLoopOptions,
    private readonly logger: SchedulerLogger,
  ) {}

  start(): void {
    if (this.running) return;
    this.stopping = false;
    this.running = Promise.all(Array.from({ length: Math.max(1, this.options.concurrency ?? 1) }, () => this.loop())).then(() => undefined);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    for (const wake of this.wakers) wake();
    await this.running;
    this.running = undefined;
  }

  private async loop(): Promise<void> {
    while (!this.stopping) {
      let pass: RelayPassResult | undefined;
      try {
        pass = await this.relay.execute();
        this.report(pass);
      } catch (error) {
        this.logger.error({ err: error }, 'outbox relay pass failed');
        await this.pause(this.options.errorDelayMs);
        continue;
      }
      if (pass.claimed < this.options.batchSize) await this.pause(this.options.pollIntervalMs);
    }
  }

  /** Failures at warn with their reasons (one line per pass), the circuit's changes, and a debug line per pass. */
  private report(pass: RelayPassResult): void {
    if (pass.failures.length > 0) {
      const reasons: Record<string, number> = {};
      for (const failure of pass.failures) reasons[failure.reason] = (reasons[failure.reason] ?? 0) + 1;
      this.logger.warn(
        {
          failed: pass.failures.length,
          parked: pass.parked,
          reasons,
          events: pass.failures.slice(0, 5).map(({ eventId, type, attempt, httpStatus }) => ({ eventId, type, attempt, httpStatus })),
        },
        `outbox relay: ${pass.failures.length} deliveries failed (${Object.keys(reasons)[0]}${Object.keys(reasons).length > 1 ? ', …' : ''})`,
      );
    }
    if (pass.circuitChange === 'opened') {
      this.logger.warn({ circuit: pass.circuit }, 'outbox relay: the data platform keeps failing; sending one probe at a time until it answers');
    } else if (pass.circuitChange === 'closed') {
      this.logger.info({ circuit: pass.circuit }, 'outbox relay: the data platform answers again; full speed');
    }
    if (pass.claimed > 0) {
      const { claimed, delivered, retried, parked } = pass;
      this.logger.debug({ relay: { claimed, delivered, retried, parked } }, 'outbox relay pass');
    }
  }

  /** Sleeps, unless `stop()` comes first. */
  private pause(ms: number): Promise<void> {
    if (this.stopping) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.wakers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakers.add(done);
    });
  }
}
