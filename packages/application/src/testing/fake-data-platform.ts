import type { DataPlatformClient, DeliveryOutcome, OrderEventEnvelope } from '../ports';

type Answer = { kind: 'accept' } | { kind: 'refuse'; reason: string } | { kind: 'throw'; message: string };

/**
 * A data platform that records what it receives and answers as told: accepts by default;
 * `refuseNext`/`throwNext` script the next answers, `down` refuses everything until `up`.
 */
export class FakeDataPlatform implements DataPlatformClient {
  readonly received: OrderEventEnvelope[] = [];
  private readonly script: Answer[] = [];
  private downReason: string | null = null;

  async deliver(envelope: OrderEventEnvelope): Promise<DeliveryOutcome> {
    this.received.push(envelope);
    const answer = this.script.shift() ?? (this.downReason === null ? { kind: 'accept' } : { kind: 'refuse', reason: this.downReason });
    if (answer.kind === 'throw') throw new Error(answer.message);
    return answer.kind === 'accept' ? { delivered: true } : { delivered: false, reason: answer.reason };
  }

  refuseNext(reason = 'HTTP 503', times = 1): this {
    for (let i = 0; i < times; i += 1) this.script.push({ kind: 'refuse', reason });
    return this;
  }

  throwNext(message = 'connect ECONNREFUSED'): this {
    this.script.push({ kind: 'throw', message });
    return this;
  }

  down(reason = 'HTTP 503'): this {
    this.downReason = reason;
    return this;
  }

  up(): this {
    this.downReason = null;
    return this;
  }

  /** How many times each event id was received. */
  receivedCounts(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const { eventId } of this.received) counts.set(eventId, (counts.get(eventId) ?? 0) + 1);
    return counts;
  }
}
