/**
 * Builds the web UI into dist/web, which `crowsnest serve` serves (src/server/web-ui.ts) and the npm
 * package ships. Assets get content-hashed names under assets/ so the server can cache them forever.
 */
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

export default defineConfig({
  base: '/',
  plugins: [react()],
  build: {
    outDir: '../dist/web',
    emptyOutDir: true,
    assetsDir: 'assets',
    target: 'es2022',
    sourcemap: false,
  },
  server: {
    // `npx vite web` during development talks to a local `crowsnest serve`.
    proxy: { '/api': 'http://127.0.0.1:5000', '/v2': 'http://127.0.0.1:5000', '/auth': 'http://127.0.0.1:5000' },
  },
});
