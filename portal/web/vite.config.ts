// Builds the web UI (lit components, TypeScript) into portal/web-dist/, which the portal serves with an SPA fallback.
import { defineConfig } from 'vite'
import { fileURLToPath } from 'node:url'

const webDir = fileURLToPath(new URL('.', import.meta.url))

export default defineConfig({
  root: webDir,
  base: '/',
  publicDir: false,
  build: {
    outDir: fileURLToPath(new URL('../web-dist/', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    // One small app: a single chunk keeps the first load to two requests and no CDN is ever involved.
    chunkSizeWarningLimit: 400,
    sourcemap: true
  },
  server: {
    // `npx vite --config portal/web/vite.config.ts` during development: the API and its SSE feed come from a running portal.
    proxy: { '/api': process.env.FERRY_PORTAL_URL ?? 'http://127.0.0.1:8080' }
  }
})
