import { fileURLToPath } from 'node:url';

/**
 * The directory holding the built page (`index.html` and its assets), made by `vite build` into
 * this package's `dist/page`. A node serves it at `/ui/`.
 */
export function pageDirectory(): string {
  return fileURLToPath(new URL('../dist/page/', import.meta.url));
}
