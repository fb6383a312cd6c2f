// One lint config for every package: typescript-eslint's recommended rules, type-aware.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'coverage/**', 'bench/results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.{ts,tsx}'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'error',
    },
  },
  // Servers: a promise nobody awaits or catches is a crash or a silent failure waiting to
  // happen (`void p` included): attach a .catch that logs.
  {
    files: ['sfu-server/src/**/*.ts', 'camera-gateway/src/**/*.ts', 'shared/src/**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': ['error', { ignoreVoid: false }],
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false, attributes: false } }],
    },
  },
  { files: ['control-ui/**/*.{ts,tsx}'], languageOptions: { globals: globals.browser } },
  { files: ['**/*.{mjs,js}', 'tests/**', '**/test/**', 'bench/**'], languageOptions: { globals: { ...globals.node } } },
  { files: ['scripts/**', 'bench/**'], rules: { 'no-console': 'off' } },
  // bench scripts run functions inside the page too.
  { files: ['bench/**'], languageOptions: { globals: { ...globals.node, ...globals.browser } } },
);
