// ESLint for js/: the recommended JS and TypeScript rules (no type-aware rules: fast, and `tsc
// --noEmit` already checks types). Formatting is not linted.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["node_modules/", "../nblabel/static/"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      // `_`-prefixed names are deliberately unused (callback signatures)
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      // a closure may read a variable that is assigned once, after the closure is made
      "prefer-const": ["error", { ignoreReadBeforeAssign: true }],
    },
  },
  { files: ["build.mjs"], languageOptions: { globals: { process: "readonly", console: "readonly" } } },
);
