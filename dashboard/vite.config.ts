// Builds the operator dashboard into dist/dashboard (served at /dashboard by the server): `cardrail/sdk` is the
// package's own SDK source, so the app and the API it calls never drift apart.
import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  root: here('.'),
  base: '/dashboard/',
  cacheDir: here('../node_modules/.vite-dashboard'),
  plugins: [react()],
  resolve: {
    alias: {
      'cardrail/sdk': here('../src/sdk/index.ts'),
      // The SDK's verifyWebhook is for servers; its node:crypto import has a browser stand-in that is never called.
      'node:crypto': here('src/server-only-crypto.ts'),
    },
  },
  // `npx vite dashboard` (development, hot reload): the API calls go to a running server.
  server: {
    proxy: { '/v1': process.env.CARDRAIL_URL ?? 'http://127.0.0.1:4010' },
  },
  build: {
    outDir: here('../dist/dashboard'),
    emptyOutDir: true,
    target: 'es2022',
    // No inline script: the strict Content-Security-Policy refuses them.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    sourcemap: false,
    reportCompressedSize: false,
    chunkSizeWarningLimit: 1024,
  },
});
