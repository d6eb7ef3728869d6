import type { RelayOutboxEvents, RelayPassResult } from '@storefront/application';
import type { SchedulerLogger } from './logger';

export interface RelayLoopOptions {
  /** The relay's batch size: a full batch means more are waiting, so the next pass starts at once. */
  batchSize: number;
  /** Pause after a pass that found less than a full batch: new events go out within about this. */
  pollIntervalMs: number;
  /** Pause after a pass that failed (the database unreachable, say) before trying again. */
  errorDelayMs: number;
}

/**
 * Runs relay passes one after another for as long as the process lives: immediately again after
 * a full batch, after a short poll otherwise. `stop()` lets the pass in flight finish (its
 * deliveries are recorded; nothing is left claimed until the lease) and resolves after it.
 */
export class OutboxRelayLoop {
  private running: Promise<void> | undefined;
  private stopping = false;
  private wake: (() => void) | undefined;

  constructor(
    private readonly relay: Pick<RelayOutboxEvents, 'execute'>,
    private readonly options: RelayLoopOptions,
    private readonly logger: SchedulerLogger,
  ) {}

  start(): void {
    if (this.running) return;
    this.stopping = false;
    this.running = this.loop();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    await this.running;
    this.running = undefined;
  }

  private async loop(): Promise<void> {
    while (!this.stopping) {
      let pass: RelayPassResult | undefined;
      try {
        pass = await this.relay.execute();
        if (pass.claimed > 0) this.logger.info({ relay: pass }, 'outbox relay pass');
      } catch (error) {
        this.logger.error({ err: error }, 'outbox relay pass failed');
        await this.pause(this.options.errorDelayMs);
        continue;
      }
      if (pass.claimed < this.options.batchSize) await this.pause(this.options.pollIntervalMs);
    }
  }

  /** Sleeps, unless `stop()` comes first. */
  private pause(ms: number): Promise<void> {
    if (this.stopping) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }
}
