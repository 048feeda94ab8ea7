import { defineConfig } from 'vitest/config';

// graphql 16 ships both index.js and index.mjs; pin one so our code and the libraries share a realm.
const alias = [{ find: /^graphql$/, replacement: 'graphql/index.js' }];

export default defineConfig({
  resolve: { alias },
  test: {
    projects: [
      {
        resolve: { alias },
        test: { name: 'unit', include: ['test/unit/**/*.test.ts'], environment: 'node' },
      },
      {
        resolve: { alias },
        test: { name: 'e2e', include: ['test/e2e/**/*.test.ts'], environment: 'node', testTimeout: 20_000, hookTimeout: 20_000 },
      },
    ],
  },
});
