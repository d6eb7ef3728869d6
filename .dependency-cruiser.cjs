// The dependency rule (docs/architecture.md#layers), enforced in CI (`pnpm lint:deps`):
//   domain imports nothing of ours and no package at all; application imports only domain;
//   adapters import application, domain and npm packages; only apps/* (and the process host
//   scripts/start-all.ts, for the shared start-up) import adapters;
//   nothing imports apps/* except scripts/start-all.ts, the one process host of both apps.
//
// Rules match on resolved paths relative to the cruise's base directory. Workspace packages
// are imported by name (`@storefront/domain`) and pnpm links them into node_modules; with
// `preserveSymlinks: false` they resolve to their real path (`packages/domain/src/index.ts`),
// so a named import and a `../../domain/src/...` relative import are judged alike.
// Real npm packages resolve under node_modules/, core modules to `node:x`, and anything that
// cannot be resolved keeps its bare name — all three fall outside the workspace folders.
// scripts/check-dependency-rule.mjs runs these same rules on scripts/dependency-rule-fixtures/
// and fails unless every deliberate violation there is reported.
const path = require("node:path");

/** Every folder that holds code of ours; anything resolved elsewhere is npm, core or unresolvable. */
const OURS = "^(packages|apps|scripts|bench|infra)/";
/** Test code may use the root devDependencies (vitest, fast-check, pg, testcontainers). */
const TEST_CODE = "(^|/)test/|\\.test\\.ts$";

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "domain-imports-nothing-of-ours",
      comment: "packages/domain is the centre: it imports no other package, app or script of ours.",
      severity: "error",
      from: { path: "^packages/domain/" },
      to: { path: OURS, pathNot: "^packages/domain/" },
    },
    {
      name: "domain-imports-no-packages",
      comment:
        "packages/domain source is plain TypeScript: no npm package and no node: builtin " +
        "(only relative imports within domain). Its tests may use vitest and fast-check.",
      severity: "error",
      from: { path: "^packages/domain/", pathNot: TEST_CODE },
      to: { pathNot: OURS },
    },
    {
      name: "application-imports-only-domain",
      comment: "packages/application may import packages/domain and itself, nothing else of ours.",
      severity: "error",
      from: { path: "^packages/application/" },
      to: { path: OURS, pathNot: "^packages/(domain|application)/" },
    },
    {
      name: "application-imports-no-packages",
      comment:
        "packages/application source imports no npm package and no node: builtin; its in-memory " +
        "adapters are plain TypeScript. Its tests may use the root devDependencies. One exception: " +
        "zod, for the schemas of the views and the order event contract that the application owns.",
      severity: "error",
      from: { path: "^packages/application/", pathNot: TEST_CODE },
      to: { pathNot: [OURS, "node_modules/zod/"] },
    },
    {
      name: "adapters-import-only-inner-layers",
      comment:
        "packages/adapters may import packages/application, packages/domain and npm packages; " +
        "never an app or a script.",
      severity: "error",
      from: { path: "^packages/adapters/" },
      to: { path: OURS, pathNot: "^packages/(domain|application|adapters)/" },
    },
    {
      name: "only-apps-import-adapters",
      comment:
        "Only the composition roots in apps/* wire adapters, and scripts/start-all.ts runs both " +
        "apps on the shared start-up (the packages/* layers have their own rules above).",
      severity: "error",
      from: { pathNot: "^(apps|packages)/|^scripts/start-all\\.ts$" },
      to: { path: "^packages/adapters/" },
    },
    {
      name: "apps-do-not-import-each-other",
      comment: "apps/http and apps/scheduler are separate processes; neither imports the other.",
      severity: "error",
      from: { path: "^apps/([^/]+)/" },
      to: { path: "^apps/", pathNot: "^apps/$1/" },
    },
    {
      name: "only-start-all-imports-apps",
      comment:
        "Nothing imports from apps/*; scripts/start-all.ts is the single process host that runs " +
        "both apps (the packages/* layers have their own rules above).",
      severity: "error",
      from: { pathNot: "^(apps|packages)/|^scripts/start-all\\.ts$" },
      to: { path: "^apps/" },
    },
    {
      name: "start-all-imports-only-app-entries",
      comment:
        "scripts/start-all.ts imports the apps through their public entries only " +
        "(@storefront/http, @storefront/scheduler).",
      severity: "error",
      from: { path: "^scripts/start-all\\.ts$" },
      to: { path: "^apps/", pathNot: "^apps/[^/]+/src/index\\.ts$" },
    },
    {
      name: "no-circular",
      comment: "A cycle blurs which module depends on which; break it by moving the shared part.",
      severity: "error",
      from: {},
      to: { circular: true },
    },
    {
      name: "not-to-unresolvable",
      comment:
        "An import that does not resolve: a typo, or a package the importing workspace " +
        "package does not declare (pnpm links only declared dependencies).",
      severity: "error",
      from: {},
      to: { couldNotResolve: true },
    },
    {
      name: "no-non-package-json",
      comment:
        "An npm package that resolves but is declared in no package.json on the way to the " +
        "root (a phantom dependency): declare it in the package that uses it.",
      severity: "error",
      from: {},
      to: { dependencyTypes: ["npm-no-pkg", "npm-unknown"] },
    },
    {
      name: "not-to-dev-dep",
      comment:
        "Source of a package or app uses only its own dependencies; root devDependencies " +
        "(vitest, pg, testcontainers, ...) are for tests, scripts and benchmarks.",
      severity: "error",
      from: { path: "^(packages|apps)/[^/]+/src/", pathNot: TEST_CODE },
      to: {
        dependencyTypes: ["npm-dev"],
        // With combinedDependencies a package declared both by the workspace package and by
        // the root devDependencies (kysely, pg) carries both types; the declaration wins.
        dependencyTypesNot: ["npm", "npm-peer", "npm-optional"],
      },
    },
  ],
  options: {
    doNotFollow: { path: ["node_modules"] },
    exclude: {
      path: [
        // Deliberately broken imports; scripts/check-dependency-rule.mjs cruises them separately.
        "^scripts/dependency-rule-fixtures/",
        // Build output and local data of ours. Anchored: an unanchored `dist/` would also drop
        // every npm package that resolves into its own dist/ folder (kysely, vitest) from the
        // graph, and with it the violations it causes. node_modules is not excluded for the
        // same reason; doNotFollow keeps npm packages as leaves instead.
        "^(\\.tools|\\.data|coverage|dist)/",
        "^(packages|apps)/[^/]+/(dist|coverage)/",
        // Its types are generated by apps/http/test/generated-client.unit.test.ts, which also
        // type-checks it; on a fresh clone the generated file does not exist yet.
        "^apps/http/test/generated-client/",
      ],
    },
    // Type-only imports count: a domain file may not even `import type` from an npm package.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: path.join(__dirname, "tsconfig.json") },
    // Merge the package.json files from the importing file up to the base directory, so the
    // root devDependencies used by tests count as declared (npm-dev) rather than undeclared.
    combinedDependencies: true,
    // Follow pnpm's workspace symlinks to the real path so rules match `^packages/domain/`.
    preserveSymlinks: false,
    moduleSystems: ["es6", "cjs"],
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["import", "default"],
      extensions: [".ts", ".js"],
      mainFields: ["module", "main", "types", "typings"],
    },
    reporterOptions: {
      text: { highlightFocused: true },
    },
  },
};
