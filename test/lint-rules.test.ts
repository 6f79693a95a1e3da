// Proves the dependency rules of shared/STYLE.md are enforced: each violating file makes lint fail.
import { describe, it, expect } from 'vitest'
import { ESLint } from 'eslint'
import { join } from 'node:path'

const root = join(import.meta.dirname, '..')
const eslint = new ESLint({ cwd: root })

async function ruleIdsFor (relativePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: join(root, relativePath) })
  return result!.messages.map(m => m.ruleId ?? 'fatal')
}

describe('dependency rules', () => {
  it('protocol imports nothing of Ferry\'s', async () => {
    expect(await ruleIdsFor('protocol/src/x.ts', 'import { a } from \'@ferry/portal\'\nexport { a }\n')).toContain('no-restricted-imports')
    expect(await ruleIdsFor('protocol/src/x.ts', 'import { a } from \'../../portal/src/a.js\'\nexport { a }\n')).toContain('no-restricted-imports')
  })

  it('only the driver touches node:dgram, timers, the clock and Math.random', async () => {
    const cases = [
      'import dgram from \'node:dgram\'\nexport { dgram }\n',
      'export const t = Date.now()\n',
      'export const t = performance.now()\n',
      'export const r = Math.random()\n',
      'setTimeout(() => {}, 1)\n',
      'export const d = new Date()\n',
      'import { setTimeout as s } from \'node:timers/promises\'\nexport { s }\n'
    ]
    for (const code of cases) {
      expect(await ruleIdsFor('protocol/src/core/x.ts', code), code).not.toEqual([])
      expect(await ruleIdsFor('protocol/src/driver/x.ts', code), code).toEqual([])
    }
  })

  it('nothing imports node/ or cli/', async () => {
    for (const from of ['portal/src/x.ts', 'protocol/src/x.ts', 'cli/src/x.ts', 'test/x.test.ts', 'bench/x.ts']) {
      expect(await ruleIdsFor(from, 'import { a } from \'@ferry/node\'\nexport { a }\n'), from).toContain('no-restricted-imports')
    }
    expect(await ruleIdsFor('portal/src/x.ts', 'import { a } from \'@ferry/cli/run-cli\'\nexport { a }\n')).toContain('no-restricted-imports')
    expect(await ruleIdsFor('portal/src/x.ts', 'import { a } from \'../../node/src/a.js\'\nexport { a }\n')).toContain('no-restricted-imports')
  })

  it('portal takes only the token format and errors from protocol', async () => {
    expect(await ruleIdsFor('portal/src/x.ts', 'import { a } from \'@ferry/protocol/core/session\'\nexport { a }\n')).toContain('no-restricted-imports')
    expect(await ruleIdsFor('portal/src/x.ts', 'import { a } from \'@ferry/protocol/token/transfer-token\'\nexport { a }\n')).toEqual([])
  })

  it('clean files pass', async () => {
    expect(await ruleIdsFor('node/src/x.ts', 'import { FerryError } from \'@ferry/protocol\'\nexport { FerryError }\n')).toEqual([])
  })
})
