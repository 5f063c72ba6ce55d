import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';
import swc from 'unplugin-swc';
import { readdirSync, existsSync } from 'node:fs';
import { resolve } from 'node:path';

// Tests import workspace packages from their TypeScript sources, so no build is needed
// to run them; SWC keeps NestJS's decorator metadata, which esbuild would drop.
const alias: Record<string, string> = {};
for (const dir of ['libs', 'services']) {
  for (const name of existsSync(dir) ? readdirSync(dir) : []) {
    const entry = resolve(dir, name, 'src/index.ts');
    if (existsSync(entry)) alias[`@fluxplane/${name}`] = entry;
  }
}

const exclude = ['**/node_modules/**', '**/dist/**'];
/**
 * The control-plane walk-through (three control-plane VMs and a node VM with docker-compose) runs in the
 * components lane: the system lane already holds the other compose test and the long e2e files, and the
 * two lanes finish closer together this way. Both compose tests find their images built by
 * scripts/test.sh before the lanes start, so they never build at once.
 */
const BALANCED = ['test/e2e/compose-cluster.test.ts'];

/**
 * The components lane runs the control-plane walk-through last. The system lane starts with its own
 * compose test (the longest file goes first), and two compose deployments at once (some thirty
 * containers starting on two cores) slowed each past its waits; by the end of the components lane the
 * system lane's compose test is long over.
 */
class ComposeApartSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const last = (f: TestSpecification) => BALANCED.some((b) => f.moduleId.endsWith(b));
    return [...sorted.filter((f) => !last(f)), ...sorted.filter(last)];
  }
}

/**
 * Two lanes, each one file at a time: the system tests (test/: each starts a whole network of
 * processes, Docker containers, HAProxy) and the components (unit, property and integration tests
 * against their own NATS and database). scripts/test.sh runs the two lanes side by side, as two vitest
 * processes (`--project system`, `--project components`); a plain `npx vitest run` runs them one after
 * the other. Every test owns its resources (a private NATS, a throwaway database, free ports), so the
 * lanes never share state; one file at a time per lane keeps a 2-core machine from being swamped.
 */
export default defineConfig({
  plugins: [swc.vite({ module: { type: 'es6' } })],
  resolve: { alias },
  test: {
    setupFiles: ['test/setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    pool: 'forks',
    sequence: { sequencer: ComposeApartSequencer },
    projects: [
      {
        extends: true,
        test: { name: 'system', include: ['test/**/*.test.ts'], exclude: [...exclude, ...BALANCED], fileParallelism: false },
      },
      {
        extends: true,
        test: { name: 'components', include: ['libs/**/*.test.ts', 'services/**/*.test.ts', 'apps/**/*.test.ts', ...BALANCED], exclude, fileParallelism: false },
      },
    ],
  },
});
