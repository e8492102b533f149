import { defineConfig } from 'vitest/config';

// One project per layer of the test pyramid (DESIGN.md "Layout"): `vitest run --project unit` etc.
export default defineConfig({
  test: {
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['test/{functions,local,cluster-manifests}/**/*.test.ts'] },
      },
      // Real state machines over real local endpoints: a backup run takes 10-20 s on a quiet machine.
      {
        extends: true,
        test: { name: 'workflows', include: ['test/workflows/**/*.test.ts'], testTimeout: 120_000 },
      },
      { extends: true, test: { name: 'infra', include: ['test/infra/**/*.test.ts'], testTimeout: 120_000 } },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          globalSetup: ['test/e2e/global-setup.ts'],
          testTimeout: 180_000,
        },
      },
    ],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    setupFiles: ['test/setup/node-compat.ts'],
  },
});
