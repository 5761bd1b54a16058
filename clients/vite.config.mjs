// One Vite project, two pages: the console (web/index.html, served at /)
// and the phone client (mobile/index.html, served at /m/). Output: dist/,
// everything bundled (no CDN at run time).
import { resolve } from 'node:path';
import { defineConfig } from 'vite';

export default defineConfig({
  root: import.meta.dirname,
  base: '/',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    chunkSizeWarningLimit: 1000,
    rollupOptions: {
      input: { web: resolve(import.meta.dirname, 'web/index.html'), mobile: resolve(import.meta.dirname, 'mobile/index.html') },
    },
  },
  server: { proxy: { '/api': 'http://127.0.0.1:8080' } },
});
