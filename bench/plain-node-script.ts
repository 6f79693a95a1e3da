// Turns a bench's child-process script (TypeScript) into plain JavaScript on the built packages, so measured processes run as the product does: no TypeScript loader thread, hooks or memory in the figures.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { basename, join } from 'node:path'
import ts from 'typescript'

/**
 * Writes `sourcePath` as `<outDir>/<name>.mjs`, its `@ferry/protocol/...` imports pointing at protocol/dist, and returns
 * that path. The script may import only node: modules and built packages (type-only imports vanish in the transpile).
 */
export function plainNodeScript (sourcePath: string, outDir: string): string {
  const js = ts.transpileModule(readFileSync(sourcePath, 'utf8'), { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText
    .replace(/(from |import )'(@ferry\/protocol\/[^']+)'/g, (_, keyword: string, specifier: string) => `${keyword}'${import.meta.resolve(specifier)}'`)
  mkdirSync(outDir, { recursive: true })
  const path = join(outDir, basename(sourcePath).replace(/\.ts$/, '.mjs'))
  writeFileSync(path, js)
  return path
}
