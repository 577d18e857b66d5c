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
  {
    // A function past this says split it into named steps (README, design notes).
    files: ['src/**/*.ts', 'src/http/dashboard/**/*.js'],
    rules: { 'max-lines-per-function': ['error', { max: 80, skipBlankLines: true, skipComments: true }] },
  },
  {
    // Tests call the API one way: test/helpers/api.ts (app.inject); a real socket only where it is the point.
    files: ['test/**/*.ts'],
    ignores: ['test/helpers/api.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: [{ name: 'supertest', message: 'Call the API through test/helpers/api.ts.' }] },
      ],
      'no-restricted-syntax': [
        'error',
        {
          selector: "CallExpression[callee.property.name='inject']",
          message: 'Call the API through test/helpers/api.ts (api(ctx)), not app.inject.',
        },
      ],
    },
  },
);
