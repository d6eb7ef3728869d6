import { AuditInvariants } from '@storefront/application';
import { Money } from '@storefront/domain';
import { createInMemoryStorefront, Given } from '@storefront/application/testing';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { recordingLogger } from '../test/support/recording-logger';
import { InvariantAuditJob } from './invariant-audit.job';

describe('InvariantAuditJob', () => {
  it('logs violations at error and exports their count as a gauge', async () => {
    const store = createInMemoryStorefront();
    await new Given(store).fundedUser(1, 5_000);
    const logger = recordingLogger();
    const registry = new Registry();
    const job = new InvariantAuditJob(new AuditInvariants(store.invariantAuditor, store.clock, { scope: 'incremental', budgetMs: 1_000 }, Money.of(10_000_000)), logger);
    job.exportCountTo(registry);
    expect(await registry.getSingleMetricAsString('storefront_invariant_violations')).toMatch(/^storefront_invariant_violations 0$/m);

    await job.run();
    expect(job.violationCount()).toBe(0);
    expect(logger.entries.map((e) => e.level)).toEqual(['info']);

    // Damage no use case could do: the balance no longer matches its history.
    const wallet = store.state.committed.wallets.get(1)!;
    store.state.committed.wallets.set(1, { ...wallet, balance: wallet.balance + 1 });
    await job.run();
    expect(job.violationCount()).toBeGreaterThan(0);
    expect(logger.entries.at(-1)?.level).toBe('error');
    expect(logger.entries.at(-1)?.fields.violations).toContainEqual(expect.objectContaining({ invariant: 1, subject: 'user 1' }));
    expect(await registry.getSingleMetricAsString('storefront_invariant_violations')).toMatch(
      new RegExp(`^storefront_invariant_violations ${job.violationCount()}$`, 'm'),
    );
  });

  it('logs an audit that could not run, and keeps the last count', async () => {
    const logger = recordingLogger();
    const job = new InvariantAuditJob({ execute: () => Promise.reject(new Error('database unreachable')) }, logger);
    await job.run();
    expect(job.violationCount()).toBeNull();
    expect(logger.entries).toEqual([expect.objectContaining({ level: 'error', message: 'invariant audit could not run' })]);
  });
});
