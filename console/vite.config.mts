/**
 * The console's build: one bundle under /console/, no CDN (everything from node_modules), served by the
 * gateway from console/dist. JSX and TypeScript go through Vite's own transform (oxc), so no plugin.
 */
import { defineConfig } from 'vite';

export default defineConfig({
  root: import.meta.dirname,
  base: '/console/',
  logLevel: 'warn',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    reportCompressedSize: false,
    chunkSizeWarningLimit: 1500,
  },
});
