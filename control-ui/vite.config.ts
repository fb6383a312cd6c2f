import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The UI imports the shared contract from source, so one edit type-checks both ends.
const shared = fileURLToPath(new URL('../shared/src/index.ts', import.meta.url));
const sfu = process.env.SFU_URL ?? 'http://127.0.0.1:8080';

export default defineConfig({
  plugins: [react()],
  resolve: { alias: { '@county/shared': shared } },
  server: {
    host: '127.0.0.1',
    proxy: { '/api': sfu, '/socket.io': { target: sfu, ws: true } },
  },
  build: { outDir: 'dist', sourcemap: true, chunkSizeWarningLimit: 1024 },
});
