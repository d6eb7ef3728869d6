import type { OrderEventEnvelope } from '../events/order-event';
import type { DataPlatformClient, DeliveryOutcome } from '../ports';

type Refusal = { reason: string; httpStatus?: number; retryAfterMs?: number };
type Answer = { kind: 'accept' } | ({ kind: 'refuse' } & Refusal) | { kind: 'throw'; message: string };

/**
 * A data platform that records what it receives and answers as told: accepts by default;
 * `refuseNext`/`throwNext` script the next answers, `down` refuses everything until `up`.
 */
export class FakeDataPlatform implements DataPlatformClient {
  readonly received: OrderEventEnvelope[] = [];
  private readonly script: Answer[] = [];
  private downWith: Refusal | null = null;
  private readonly refusing: { matches: (envelope: OrderEventEnvelope) => boolean; times: number; reason: string }[] = [];

  async deliver(envelope: OrderEventEnvelope): Promise<DeliveryOutcome> {
    this.received.push(envelope);
    const targeted = this.refusing.find((r) => r.times > 0 && r.matches(envelope));
    if (targeted) {
      targeted.times -= 1;
      return { delivered: false, reason: targeted.reason };
    }
    const answer: Answer = this.script.shift() ?? (this.downWith === null ? { kind: 'accept' } : { kind: 'refuse', ...this.downWith });
    if (answer.kind === 'throw') throw new Error(answer.message);
    if (answer.kind === 'accept') return { delivered: true, httpStatus: 200 };
    const { kind: _kind, ...refusal } = answer;
    return { delivered: false, ...refusal };
  }

  refuseNext(reason = 'HTTP 503', times = 1, details: Omit<Refusal, 'reason'> = {}): this {
    for (let i = 0; i < times; i += 1) this.script.push({ kind: 'refuse', reason, ...details });
    return this;
  }

  /** Refuses the next `times` deliveries of the events that `matches` picks, whatever else happens. */
  refuseMatching(matches: (envelope: OrderEventEnvelope) => boolean, times: number, reason = 'HTTP 503'): this {
    this.refusing.push({ matches, times, reason });
    return this;
  }

  throwNext(message = 'connect ECONNREFUSED'): this {
    this.script.push({ kind: 'throw', message });
    return this;
  }

  down(reason = 'HTTP 503', details: Omit<Refusal, 'reason'> = {}): this {
    this.downWith = { reason, ...details };
    return this;
  }

  up(): this {
    this.downWith = null;
    return this;
  }

  /** How many times each event id was received. */
  receivedCounts(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const { eventId } of this.received) counts.set(eventId, (counts.get(eventId) ?? 0) + 1);
    return counts;
  }
}
