import { Money } from '@storefront/domain';
import { describe, expect, it } from 'vitest';
import { createInMemoryStorefront, Given } from '../../testing';
import { AuditInvariants } from './audit-invariants';

describe('AuditInvariants', () => {
  it('answers ok with no violations on data the use cases wrote', async () => {
    const store = createInMemoryStorefront();
    await new Given(store).fundedUser(1, 5_000);
    const report = await new AuditInvariants(store.invariantAuditor, store.clock, { scope: 'incremental', budgetMs: 1_000 }, Money.of(10_000_000)).execute();
    expect(report).toEqual({ checkedAt: store.clock.now(), durationMs: 0, scope: 'full', ok: true, violations: [] });
  });

  it('names the invariant and the subject of what is broken', async () => {
    const store = createInMemoryStorefront();
    await new Given(store).fundedUser(1, 5_000);
    // Damage no use case could do: the balance no longer matches its history.
    const wallet = store.state.committed.wallets.get(1)!;
    store.state.committed.wallets.set(1, { ...wallet, balance: wallet.balance + 1 });
    const report = await new AuditInvariants(store.invariantAuditor, store.clock, { scope: 'incremental', budgetMs: 1_000 }, Money.of(10_000_000)).execute();
    expect(report.ok).toBe(false);
    expect(report.violations.map((v) => [v.invariant, v.subject])).toEqual([
      [1, 'user 1'],
      [1, 'user 1'],
    ]);
  });
});
