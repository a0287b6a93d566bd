// Lint rules for the whole repository: the recommended JavaScript and typescript-eslint sets, with formatting
// left to prettier (eslint-config-prettier turns off every rule that would fight it).
import js from "@eslint/js";
import prettier from "eslint-config-prettier";
import tseslint from "typescript-eslint";

export default tseslint.config(
    {
        ignores: ["**/node_modules/**", "**/dist/**", "bin/**", ".pulumi-state/**"],
    },
    js.configs.recommended,
    ...tseslint.configs.recommended,
    prettier,
    {
        languageOptions: {
            globals: { process: "readonly", console: "readonly", Buffer: "readonly", setTimeout: "readonly" },
        },
        rules: {
            // `_name` marks a parameter or binding kept for its position or shape, not used.
            "@typescript-eslint/no-unused-vars": [
                "warn",
                { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none", ignoreRestSiblings: true },
            ],
            "no-duplicate-imports": "warn",
            eqeqeq: ["warn", "always", { null: "ignore" }],
            // libsodium-wrappers' ESM entry is broken; `import sodium = require(...)` loads its CommonJS build.
            "@typescript-eslint/no-require-imports": ["error", { allow: ["^libsodium-wrappers$"] }],
        },
    },
    {
        // Tests read mock inputs and provider-shaped objects whose types the SDKs do not export, and chai's
        // property assertions (`expect(x).to.be.true`) are expressions by design.
        files: ["test/**/*.ts"],
        rules: {
            "@typescript-eslint/no-explicit-any": "off",
            "@typescript-eslint/no-unused-expressions": "off",
        },
    },
);
