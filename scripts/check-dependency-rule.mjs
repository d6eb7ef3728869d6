// Proves that .dependency-cruiser.cjs catches what it claims to catch. It cruises the fake tree
// in scripts/dependency-rule-fixtures/ with the very same rules and fails unless the reported
// violations are exactly the expected ones: every deliberate violation found, and no allowed
// import (named workspace imports, relative imports inside a layer, `.js` suffixes, tests using
// root devDependencies) flagged. A rule that silently matches nothing fails this check.
import { mkdirSync, readlinkSync, rmSync, symlinkSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { cruise } from "dependency-cruiser";
import extractDepcruiseOptions from "dependency-cruiser/config-utl/extract-depcruise-options";
import extractTSConfig from "dependency-cruiser/config-utl/extract-ts-config";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const fixtures = join(root, "scripts", "dependency-rule-fixtures");

// [importing file, import specifier as written, rule that must report it]. npm stand-ins: see
// dependency-rule-fixtures/README.md.
const expected = [
  ["packages/domain/src/bad.ts", "../../application/src/place-order.ts", "domain-imports-nothing-of-ours"],
  ["packages/domain/src/bad.ts", "zod", "domain-imports-no-packages"],
  // Unresolvable when the root has no zod installed, else resolvable but declared nowhere.
  ["packages/domain/src/bad.ts", "zod", ["not-to-unresolvable", "no-non-package-json"]],
  // dependency-cruiser reports `node:crypto` by its bare core-module name.
  ["packages/domain/src/bad.ts", "crypto", "domain-imports-no-packages"],
  // A type-only import counts too.
  ["packages/domain/src/bad.ts", "typescript", "domain-imports-no-packages"],
  ["packages/domain/src/bad.ts", "typescript", "no-non-package-json"],
  // Undeclared in the domain package.json, so pnpm does not link it: unresolvable.
  ["packages/domain/src/bad.ts", "@storefront/application", "domain-imports-no-packages"],
  ["packages/domain/src/bad.ts", "@storefront/application", "not-to-unresolvable"],
  // A cycle is reported once, at the first edge found.
  ["packages/domain/src/cycle-a.ts", "./cycle-b.ts", "no-circular"],
  ["packages/application/src/bad.ts", "vitest", "application-imports-no-packages"],
  ["packages/application/src/bad.ts", "vitest", "not-to-dev-dep"],
  ["packages/application/src/bad.ts", "../../adapters/src/wallet.repository.ts", "application-imports-only-domain"],
  // Declared (wrongly) in the application package.json: resolves by name, caught by path.
  ["packages/application/src/bad.ts", "@storefront/adapters", "application-imports-only-domain"],
  ["packages/adapters/src/bad.ts", "../../../apps/http/src/routes.ts", "adapters-import-only-inner-layers"],
  ["packages/adapters/src/bad.ts", "eslint", "not-to-dev-dep"],
  ["apps/http/src/bad.ts", "../../scheduler/src/index.ts", "apps-do-not-import-each-other"],
  ["apps/http/src/bad.ts", "dependency-cruiser", "no-non-package-json"],
  ["apps/scheduler/src/bad.ts", "./outbox-relay.ts", "not-to-unresolvable"],
  ["scripts/start-all.ts", "../apps/http/src/routes.ts", "start-all-imports-only-app-entries"],
  ["scripts/seed.ts", "../apps/http/src/index.ts", "only-start-all-imports-apps"],
  ["scripts/seed.ts", "../packages/adapters/src/wallet.repository.ts", "only-apps-import-adapters"],
];

// The links pnpm would make for the fixture package.json files. They live in git-ignored
// node_modules folders and are left in place, so that concurrent runs never remove each
// other's links mid-cruise.
const links = [
  ["packages/application", "@storefront/domain", "packages/domain"],
  ["packages/application", "@storefront/adapters", "packages/adapters"],
  ["packages/adapters", "@storefront/domain", "packages/domain"],
  ["packages/adapters", "@storefront/application", "packages/application"],
  ["apps/http", "@storefront/domain", "packages/domain"],
  ["apps/http", "@storefront/application", "packages/application"],
  ["apps/http", "@storefront/adapters", "packages/adapters"],
  [".", "@storefront/http", "apps/http"],
  [".", "@storefront/scheduler", "apps/scheduler"],
];

function linkWorkspacePackages() {
  for (const [owner, name, target] of links) {
    const link = join(fixtures, owner, "node_modules", name);
    const pointsTo = relative(dirname(link), join(fixtures, target));
    mkdirSync(dirname(link), { recursive: true });
    try {
      symlinkSync(pointsTo, link, "dir");
    } catch (error) {
      if (error?.code !== "EEXIST") throw error;
      if (readlinkSync(link) !== pointsTo) {
        rmSync(link, { recursive: true, force: true });
        symlinkSync(pointsTo, link, "dir");
      }
    }
  }
}

const key = ([from, module, rule]) => `${from}  ->  ${module}  [${rule}]`;

async function findViolations() {
  const options = await extractDepcruiseOptions(join(root, ".dependency-cruiser.cjs"));
  const tsConfig = extractTSConfig(options.tsConfig.fileName);
  const { output } = await cruise(
    ["packages", "apps", "scripts"],
    { ...options, baseDir: fixtures, outputType: "json" },
    {},
    { tsConfig },
  );
  const result = typeof output === "string" ? JSON.parse(output) : output;
  const specifier = (from, resolved) =>
    result.modules
      .find((module) => module.source === from)
      ?.dependencies.find((dependency) => dependency.resolved === resolved)?.module ?? resolved;
  return {
    cruised: result.summary.totalCruised,
    found: result.summary.violations.map((violation) =>
      key([violation.from, specifier(violation.from, violation.to), violation.rule.name]),
    ),
  };
}

linkWorkspacePackages();
const outcome = await findViolations();

const found = new Set(outcome.found);
// An entry with several rules is met by any one of them (exactly one of them applies).
const expectations = expected.map(([from, module, rules]) => [rules].flat().map((rule) => key([from, module, rule])));
const allowed = new Set(expectations.flat());
const missing = expectations
  .filter((alternatives) => !alternatives.some((violation) => found.has(violation)))
  .map((alternatives) => alternatives.join("  or  "));
const unexpected = [...found].filter((violation) => !allowed.has(violation));

console.log(
  `dependency rule check: ${outcome.cruised} fixture modules cruised, ${found.size} violations reported`,
);
for (const violation of [...found].sort()) {
  console.log(`  ${allowed.has(violation) ? "caught    " : "UNEXPECTED"}  ${violation}`);
}
for (const violation of missing) console.log(`  MISSED      ${violation}`);

if (missing.length > 0 || unexpected.length > 0) {
  console.error(
    `dependency rule check FAILED: ${missing.length} expected violation(s) not reported, ` +
      `${unexpected.length} unexpected violation(s) reported.`,
  );
  process.exit(1);
}
console.log(`dependency rule check passed: all ${expected.length} deliberate violations caught.`);
