import { defineConfig } from 'vitest/config';

export default defineConfig({
  // TSX compiles with the automatic runtime (tsconfig.json: jsx react-jsx).
  esbuild: { jsx: 'automatic' },
  test: {
    environment: 'jsdom',
    environmentOptions: { jsdom: { url: 'http://127.0.0.1:8080/' } },
    include: ['src/**/*.test.{ts,tsx}', 'scripts/**/*.test.mjs'],
    restoreMocks: true,
  },
});
