// One test runner for the whole tree: unit tests in each part's test/, end-to-end tests in test/.
import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['{protocol,node,portal,cli}/test/**/*.test.ts', 'test/**/*.test.ts'],
    setupFiles: ['./test/setup/polyfill.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    reporters: ['default', './scripts/summary-reporter.ts']
  }
})
