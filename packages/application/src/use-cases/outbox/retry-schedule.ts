/**
 * When a failed delivery is tried again: exponential backoff with "equal jitter" — attempt `a`
 * waits between half and all of `min(cap, base × 2^(a−1))`. Half the ceiling is guaranteed, so
 * a number of attempts spans a known minimum time whatever the draws (what lets the default
 * number of attempts outlast a long outage), and the jitter still spreads a burst of failures.
 */
export interface RetrySchedulePolicy {
  backoffBaseMs: number;
  backoffCapMs: number;
}

/** Retries span at least this long by default before an event is parked (Stripe retries for three days). */
export const DEFAULT_RETRY_SPAN_MS = 3 * 24 * 60 * 60 * 1000;

/** 5 s doubling to 8 h: early retries catch a blip, late ones an outage of hours. */
export const DEFAULT_RETRY_SCHEDULE: RetrySchedulePolicy = { backoffBaseMs: 5_000, backoffCapMs: 8 * 60 * 60 * 1000 };

/** The ceiling of the wait after failed attempt `attempt` (1-based). */
export function backoffCeilingMs(policy: RetrySchedulePolicy, attempt: number): number {
  return Math.min(policy.backoffCapMs, policy.backoffBaseMs * 2 ** Math.min(attempt - 1, 52));
}

/** The wait after failed attempt `attempt`, for a draw `random` in [0, 1). */
export function backoffMs(policy: RetrySchedulePolicy, attempt: number, random: number): number {
  const ceiling = backoffCeilingMs(policy, attempt);
  return Math.floor(ceiling / 2 + (random * ceiling) / 2);
}

/**
 * The fewest attempts whose retries span at least `spanMs` at the least lucky draws: the
 * default `OUTBOX_MAX_ATTEMPTS`. (With the defaults: 31 attempts, 3.0 to 6 days.)
 */
export function attemptsSpanning(policy: RetrySchedulePolicy, spanMs: number): number {
  let attempts = 1;
  let guaranteedMs = 0;
  while (guaranteedMs < spanMs) {
    guaranteedMs += backoffCeilingMs(policy, attempts) / 2;
    attempts += 1;
  }
  return attempts;
}
