import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'

// Everything is bundled locally: the app must work with the network unplugged.
export default defineConfig({
  plugins: [vue()],
  clearScreen: false,
  build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 2000 },
  test: { include: ['tests/**/*.test.ts'], environment: 'node' },
})
