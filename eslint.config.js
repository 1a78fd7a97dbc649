import js from '@eslint/js'
import tseslint from 'typescript-eslint'

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '.tools/**', 'data/**', 'e2e/test-results/**', 'e2e/playwright-report/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', setImmediate: 'readonly', Buffer: 'readonly', URL: 'readonly', fetch: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-syntax': ['error', { selector: "CallExpression[callee.property.name='only']", message: 'No .only on main' }, { selector: "CallExpression[callee.property.name='skip']", message: 'No skipped tests on main' }],
    },
  },
  {
    // one door to health data (docs/decisions/0010-access-layer.md): routes and FHIR call request.access, never the database;
    // types may come from @varde/db; logging in and out goes through src/access/credentials.ts.
    files: ['clinician-web/server/src/routes/**/*.ts', 'clinician-web/server/src/fhir/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', {
        paths: [{ name: '@varde/db', allowTypeImports: true, message: 'Read and write health data through request.access (src/access/), not @varde/db (ADR 0010).' }],
      }],
    },
  },
  {
    // Varde's Node-RED nodes (docs/decisions/0020): CommonJS, Node-RED's `const node = this` idiom; `require` is
    // left undefined on purpose, so a node cannot reach the database or the broker except through vardeServices
    files: ['flows/nodes/**/*.js'],
    languageOptions: { sourceType: 'commonjs', globals: { module: 'writable' } },
    rules: { '@typescript-eslint/no-this-alias': 'off' },
  },
)
