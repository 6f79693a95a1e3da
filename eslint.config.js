// Lint config: TypeScript hygiene plus Ferry's dependency rules from shared/STYLE.md, enforced (test/lint-rules.test.ts proves each).
import js from '@eslint/js'
import tseslint from 'typescript-eslint'

/** Imports nobody may make: node/ and cli/ are leaves of the dependency graph. */
const leafPackages = [
  { group: ['@ferry/node', '@ferry/node/*', '@ferry/cli', '@ferry/cli/*'], message: 'Nothing imports node/ or cli/ (STYLE.md: dependencies point one way).' },
  { regex: '^(\\.\\./)+(node|cli)/', message: 'Nothing imports node/ or cli/ (STYLE.md: dependencies point one way).' }
]

/** protocol/ imports nothing of Ferry's. */
const protocolIsolation = [
  { group: ['@ferry/*'], message: 'protocol/ imports nothing of Ferry\'s.' },
  { regex: '^(\\.\\./)+(node|cli|portal|protocol)/', message: 'protocol/ imports nothing of Ferry\'s.' }
]

/** Only the UDP driver touches sockets, timers and the clock (STYLE.md: a pure protocol core). */
const worldImports = [
  { group: ['node:dgram', 'dgram', 'node:timers', 'timers', 'node:timers/*', 'timers/*', 'node:perf_hooks', 'perf_hooks'], message: 'Only protocol/src/driver/ may use sockets, timers or the clock; take them as arguments.' }
]
const worldGlobals = ['setTimeout', 'setInterval', 'setImmediate', 'clearTimeout', 'clearInterval', 'clearImmediate', 'performance', 'queueMicrotask']
  .map(name => ({ name, message: 'Only protocol/src/driver/ may use timers or the clock; take `now` as an argument.' }))
const worldProperties = [
  { object: 'Date', property: 'now', message: 'The core takes `now` as an argument.' },
  { object: 'performance', property: 'now', message: 'The core takes `now` as an argument.' },
  { object: 'Math', property: 'random', message: 'Inject a random source.' },
  { object: 'process', property: 'hrtime', message: 'The core takes `now` as an argument.' }
]
const worldSyntax = [
  { selector: 'NewExpression[callee.name="Date"][arguments.length=0]', message: '`new Date()` reads the clock; the core takes `now` as an argument.' }
]

/** portal/ may take only the token format and the error base from protocol/. */
const portalProtocolSubset = [
  { regex: '^@ferry/protocol(?!/(token|errors)/)', message: 'portal/ imports only the token format and errors from protocol/.' },
  { regex: '^(\\.\\./)+(protocol|node|cli)/', message: 'portal/ imports only @ferry/protocol/token/* and @ferry/protocol/errors/*.' }
]

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'bench/.work/**', 'portal/web-dist/**', '**/*.d.ts'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2023, sourceType: 'module', globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', URL: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', setImmediate: 'readonly', AbortController: 'readonly', AbortSignal: 'readonly', TextEncoder: 'readonly', TextDecoder: 'readonly', performance: 'readonly', fetch: 'readonly' } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_' }],
      'no-restricted-imports': ['error', { patterns: leafPackages }]
    }
  },
  {
    files: ['portal/**/*.{ts,js,mjs}'],
    rules: { 'no-restricted-imports': ['error', { patterns: [...leafPackages, ...portalProtocolSubset] }] }
  },
  {
    files: ['protocol/**/*.{ts,js,mjs}'],
    rules: { 'no-restricted-imports': ['error', { patterns: [...leafPackages, ...protocolIsolation] }] }
  },
  {
    files: ['protocol/src/**/*.ts'],
    ignores: ['protocol/src/driver/**'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [...leafPackages, ...protocolIsolation, ...worldImports] }],
      'no-restricted-globals': ['error', ...worldGlobals],
      'no-restricted-properties': ['error', ...worldProperties],
      'no-restricted-syntax': ['error', ...worldSyntax]
    }
  }
)
