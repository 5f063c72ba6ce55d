import { defineConfig } from 'vite';

/**
 * Built into dist/ and served by the gateway under /dashboard/ (services/gateway, DASHBOARD_DIR).
 * JSX is compiled by Vite's own transformer with React's automatic runtime; no plugin is needed for
 * a production build.
 */
export default defineConfig({
  base: '/dashboard/',
  oxc: { jsx: { runtime: 'automatic' } },
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: false },
  logLevel: 'warn',
});
