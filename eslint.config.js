import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['dist/', 'data/', 'coverage/', 'node_modules/', '.tmp/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'off',
    },
  },
  {
    // Configuration is parsed once, by src/config/; entry points hand it their environment.
    files: ['src/**/*.ts'],
    ignores: ['src/config/**', 'src/server.ts', 'src/queue/processor.ts'],
    rules: {
      'no-restricted-properties': [
        'error',
        {
          object: 'process',
          property: 'env',
          message: 'Read configuration through src/config/ (entry points pass process.env to loadConfig).',
        },
      ],
    },
  },
  // The dashboard's files run in the browser, as ES modules served without a build step.
  { files: ['src/http/dashboard/**/*.js'], languageOptions: { globals: { ...globals.browser } } },
);
