// Where the built node and portal programs are, found from the CLI's own location in the checkout (cli/dist/local/ → <part>/dist/main.js).
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { FerryError } from '@ferry/protocol'

export type Part = 'node' | 'portal'

export function partEntryPath (part: Part): string {
  const path = fileURLToPath(new URL(`../../../${part}/dist/main.js`, import.meta.url))
  if (!existsSync(path)) {
    throw new FerryError('FERRY_CLI_PART_MISSING', `${path} is not built; run \`npm run build\` (or \`npm start\`) in the Ferry checkout first`)
  }
  return path
}
