import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

/**
 * The inspector page: built into `dist/page` (what `pageDirectory()` names), served by a node at
 * `/ui/`. `pnpm --filter @coordinator/inspector dev:page` serves it from source and sends the API
 * to a running node (`COORDINATOR_URL`, default the example's `http://127.0.0.1:7401`).
 */
export default defineConfig({
  root: here('./page'),
  base: '/ui/',
  build: {
    outDir: here('./dist/page'),
    emptyOutDir: true,
  },
  server: {
    proxy: { '/v1': process.env.COORDINATOR_URL ?? 'http://127.0.0.1:7401' },
  },
});
