import { defineConfig } from 'vitest/config';

/** Tests of whole systems: each runs once per kernel, the kernel named by OS_KERNEL (see @os/test-kernels). */
const systemTests = [
  'apps/!(robots)/test/**/*.test.ts',
  'apps/gateway-packages/*/test/**/*.test.ts',
  'packages/init/test/**/*.test.ts',
  'packages/dummy/test/**/*.test.ts',
  'packages/runtime/test/boot.test.ts',
  'packages/cli/test/**/*.test.ts',
  'packages/rom/test/**/*.test.ts',
  'packages/net/test/**/*.test.ts',
  'packages/fs/test/**/*.test.ts',
  'packages/twin/test/twin-protocol.test.ts',
  'packages/edge-hub/test/leaf-*.test.ts',
  'packages/edge-hub/test/queue.test.ts',
  'packages/edge-hub/test/upstream.test.ts',
  'packages/deploy/test/system/**/*.test.ts',
  'packages/depot/test/download-concurrency.test.ts',
  'packages/loader/test/confinement.test.ts',
  'packages/loader/test/libc-program.test.ts',
  'packages/libc-shim/test/node-net.test.ts',
  'packages/testing/test/**/*.test.ts',
  'tooling/attacks/test/**/*.test.ts',
  'tooling/scenarios/test/**/*.test.ts',
];

/** Tests that pack and install with npm: run once, in the unit project; they run every kernel themselves. */
const packedApps = ['apps/*/install/**/*.test.ts'];

/** Tests of apps that run no kernel (the robots: Microsoft's device SDK against the hub): once, in the unit project. */
const hostApps = ['apps/robots/test/**/*.test.ts'];

const shared = { testTimeout: 30_000, hookTimeout: 120_000, pool: 'threads' as const };

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          ...shared,
          name: 'unit',
          include: ['packages/*/test/**/*.test.ts', 'tooling/*/test/**/*.test.ts', ...packedApps, ...hostApps],
          exclude: ['**/node_modules/**', ...systemTests],
        },
      },
      ...['hw', 'nova', 'sel4'].map((kernel) => ({
        test: { ...shared, name: `system:${kernel}`, include: systemTests, env: { OS_KERNEL: kernel } },
      })),
    ],
  },
});
