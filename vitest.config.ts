import { defineConfig } from 'vitest/config';
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

export default defineConfig({
  plugins: [swc.vite({ module: { type: 'es6' } })],
  resolve: { alias },
  test: {
    include: ['libs/**/*.test.ts', 'services/**/*.test.ts', 'apps/**/*.test.ts', 'test/**/*.test.ts'],
    // The compose e2e (deploy/single-vm) fails on main today: see issue 12's note. It runs on its own
    // with `FLUXPLANE_COMPOSE_E2E=1 npx vitest run test/e2e/compose.test.ts` (npm run test:compose).
    exclude: ['**/node_modules/**', '**/dist/**', ...(process.env.FLUXPLANE_COMPOSE_E2E === '1' ? [] : ['test/e2e/compose.test.ts'])],
    setupFiles: ['test/setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    pool: 'forks',
    fileParallelism: false,
  },
});
