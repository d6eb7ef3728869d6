// ESLint flat config. TypeScript is linted with type information (the project service finds
// each file's tsconfig.json: one per workspace package, the root one for scripts/, bench/ and
// vitest.config.ts); plain JavaScript config and tooling files are linted without it.
import js from "@eslint/js";
import { defineConfig, globalIgnores } from "eslint/config";
import tseslint from "typescript-eslint";

/** The Node.js globals that plain .js/.mjs/.cjs tooling files may use (TypeScript knows its own). */
const nodeGlobals = Object.fromEntries(
  [
    "AbortController",
    "AbortSignal",
    "Blob",
    "Buffer",
    "TextDecoder",
    "TextEncoder",
    "URL",
    "URLSearchParams",
    "Headers",
    "Request",
    "Response",
    "fetch",
    "console",
    "crypto",
    "global",
    "globalThis",
    "performance",
    "process",
    "queueMicrotask",
    "structuredClone",
    "setTimeout",
    "clearTimeout",
    "setInterval",
    "clearInterval",
    "setImmediate",
    "clearImmediate",
  ].map((name) => [name, "readonly"]),
);
const commonJsGlobals = {
  module: "writable",
  exports: "writable",
  require: "readonly",
  __dirname: "readonly",
  __filename: "readonly",
};

export default defineConfig(
  globalIgnores([
    "**/node_modules/",
    ".tools/",
    ".data/",
    "**/dist/",
    "**/coverage/",
    // Deliberately broken imports that prove the dependency rule (scripts/check-dependency-rule.mjs).
    "scripts/dependency-rule-fixtures/**",
    // Typed against the client types generated from the served OpenAPI document; they exist only
    // once apps/http/test/generated-client.unit.test.ts has run, which type-checks this folder itself.
    "apps/http/test/generated-client/**",
  ]),
  {
    files: ["**/*.{ts,mts,cts,js,mjs,cjs}"],
    extends: [js.configs.recommended, tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: {
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      // Every promise is awaited, returned or explicitly voided: a test that does not await
      // `expect(...).rejects` cannot fail.
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-misused-promises": "error",
      // `return promise` inside try/catch skips the catch; elsewhere either form is fine.
      "@typescript-eslint/return-await": ["error", "error-handling-correctness-only"],
      "@typescript-eslint/no-unused-vars": [
        "error",
        {
          args: "after-used",
          argsIgnorePattern: "^_",
          varsIgnorePattern: "^_",
          caughtErrorsIgnorePattern: "^_",
          destructuredArrayIgnorePattern: "^_",
          ignoreRestSiblings: true,
        },
      ],
      // The rule's defaults, plus `never`: an exhaustive switch ends in `unexpected ${value}`.
      "@typescript-eslint/restrict-template-expressions": [
        "error",
        {
          allowAny: true,
          allowBoolean: true,
          allowNullish: true,
          allowNumber: true,
          allowRegExp: true,
          allowNever: true,
        },
      ],
      // An async method without await is normal when it implements an async port in memory.
      "@typescript-eslint/require-await": "off",
    },
  },
  {
    files: ["**/*.test.ts", "**/test/**/*.ts"],
    rules: {
      // `expect(fake.method).toHaveBeenCalled()` and vi.fn() patterns pass methods unbound.
      "@typescript-eslint/unbound-method": "off",
    },
  },
  {
    files: ["**/*.{js,mjs,cjs}"],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: { globals: nodeGlobals },
  },
  {
    files: ["**/*.cjs"],
    languageOptions: { sourceType: "commonjs", globals: { ...nodeGlobals, ...commonJsGlobals } },
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },
);
