import { configDefaults, defineConfig } from "vitest/config";

// Never collect tests from tooling, local data or the dependency-rule fixtures.
const exclude = [
  ...configDefaults.exclude,
  "**/.tools/**",
  "**/.data/**",
  "**/coverage/**",
  "scripts/dependency-rule-fixtures/**",
];

export default defineConfig({
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          // Pure tests against in-memory fakes: run with vitest's default parallelism.
          include: ["**/*.unit.test.ts"],
          exclude,
        },
      },
      {
        extends: true,
        test: {
          name: "integration",
          // Real PostgreSQL (a fresh database per test file); forks keep native drivers and
          // process-wide state apart, and two workers suit a two-core machine.
          include: ["**/*.integration.test.ts"],
          exclude,
          pool: "forks",
          maxWorkers: 2,
          testTimeout: 60_000,
          hookTimeout: 60_000,
          // Finds or starts PostgreSQL once for the run (see docs/architecture.md#tests).
          globalSetup: ["packages/adapters/test/harness/global-setup.ts"],
        },
      },
    ],
  },
});
