// The dashboard's build: `npm run build` writes it to dist/web, which the service serves at `/`.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  publicDir: false,
  build: {
    outDir: fileURLToPath(new URL('../dist/web', import.meta.url)),
    emptyOutDir: true,
    assetsDir: 'assets',
    target: 'es2022',
    // One small script and one stylesheet: nothing is worth a second request.
    modulePreload: false,
    reportCompressedSize: false,
  },
});
