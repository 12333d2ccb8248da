// ESLint (flat config): typescript-eslint's recommended rules plus the project's habits (docs/architecture.md).
// Layer directions are checked by dependency-cruiser (.dependency-cruiser.cjs), also run by `npm run lint`.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'data/**', 'dashboards/public/vendor/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2023, sourceType: 'module' },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_', caughtErrors: 'none' },
      ],
      // library code writes command output with process.stdout.write and logs with pino
      'no-console': 'error',
      'no-restricted-syntax': [
        'error',
        {
          // log.error({ err: e.message }) drops the stack: log the error itself, pino's err serializer keeps it
          selector:
            "CallExpression[callee.property.name=/^(fatal|error|warn|info|debug|trace)$/] > ObjectExpression > Property[key.name='err'] > MemberExpression[property.name='message']",
          message: 'log the error itself ({ err }) so pino keeps the stack, not err.message',
        },
        {
          selector:
            "CallExpression[callee.property.name=/^(fatal|error|warn|info|debug|trace)$/] > ObjectExpression > Property[key.name='err'] > CallExpression[callee.name='errorMessage']",
          message: 'log the error itself ({ err }) so pino keeps the stack, not errorMessage(err)',
        },
      ],
    },
  },
  {
    files: ['test/**', 'bench/**'],
    rules: { 'no-console': 'off' },
  },
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { module: 'writable', require: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // the dashboard's browser scripts (no build step)
    files: ['dashboards/public/**/*.js'],
    languageOptions: {
      sourceType: 'script',
      globals: {
        document: 'readonly',
        window: 'readonly',
        URL: 'readonly',
        URLSearchParams: 'readonly',
        fetch: 'readonly',
        CustomEvent: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        uPlot: 'readonly',
      },
    },
  },
  {
    // stripping terminal escapes and control characters from imported text is the point of these patterns
    files: ['services/calendar/validate.ts'],
    rules: { 'no-control-regex': 'off' },
  },
);
