import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

export default tseslint.config(
  { ignores: ['node_modules/', '.slipway/', '.serverless/', '.esbuild/', 'dist/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        URL: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        Buffer: 'readonly',
        fetch: 'readonly',
        AbortSignal: 'readonly',
        AbortController: 'readonly',
        Response: 'readonly',
        Headers: 'readonly',
        TextEncoder: 'readonly',
        TextDecoder: 'readonly',
        structuredClone: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    // CommonJS files read by tools that require() them (serverless/variables.cjs for osls), and bin/ (bin/package.json:
    // a CommonJS entry starts faster than an ES module one).
    files: ['**/*.cjs', 'bin/**/*.js'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: { require: 'readonly', module: 'writable', __dirname: 'readonly', __filename: 'readonly' },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // The wiring builds the dependencies and hands them down: functions/ and the local stack's entry
    // import it; nothing in src/ may reach up to it (that was a service locator).
    files: ['src/**/*.ts'],
    ignores: ['src/wiring/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/wiring/*', '**/wiring'],
              message: 'src/ gets its dependencies handed in; only functions/ and src/wiring/ import the wiring.',
            },
          ],
        },
      ],
    },
  },
  {
    // The domain is pure: no SDK, no file system, no environment.
    files: ['src/domain/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: ['@aws-sdk/*', 'node:*', 'fs', 'child_process', '**/wiring/*'] }],
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'env', message: 'src/domain takes its inputs as arguments.' },
      ],
    },
  },
  // Formatting is Prettier's (npm run format; npm run lint checks it): no ESLint rule may disagree with it.
  prettier,
);
