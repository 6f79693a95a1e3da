// Manifest paths are refused with coded errors; manifests round-trip; the layout maps every chunk inside its file.
import { describe, it, expect } from 'vitest'
import fc from 'fast-check'
import { validateRelativePath } from '../../src/manifest/validate-relative-path.js'
import { encodeManifest, decodeManifest, ManifestLayout, DIGEST_BYTES, type ManifestEntry } from '../../src/manifest/manifest.js'
import { MAX_PAYLOAD_BYTES } from '../../src/wire/datagram-codec.js'

function codeOf (fn: () => unknown): string | undefined {
  try { fn() } catch (err) { return (err as { code?: string }).code }
  return undefined
}

describe('validateRelativePath', () => {
  it.each([
    ['', 'FERRY_MANIFEST_PATH_EMPTY'], ['../x', 'FERRY_MANIFEST_PATH_TRAVERSAL'], ['a/../../x', 'FERRY_MANIFEST_PATH_TRAVERSAL'],
    ['/etc/passwd', 'FERRY_MANIFEST_PATH_ABSOLUTE'], ['a\\b', 'FERRY_MANIFEST_PATH_CHARACTER'], ['C:/x', 'FERRY_MANIFEST_PATH_CHARACTER'],
    ['a\0b', 'FERRY_MANIFEST_PATH_CHARACTER'], ['a//b', 'FERRY_MANIFEST_PATH_SEGMENT'], ['a/./b', 'FERRY_MANIFEST_PATH_SEGMENT'], ['a/', 'FERRY_MANIFEST_PATH_SEGMENT'],
    ['x'.repeat(5000), 'FERRY_MANIFEST_PATH_TOO_LONG']
  ])('refuses %j with %s', (path, code) => expect(codeOf(() => validateRelativePath(path))).toBe(code))

  it('accepts ordinary nested paths', () => expect(validateRelativePath('dir/sub dir/ünïcode.txt')).toBe('dir/sub dir/ünïcode.txt'))
})

describe('manifest', () => {
  it('round-trips and refuses duplicates and files under files', () => {
    const entries: ManifestEntry[] = [{ relativePath: 'a', kind: 'directory', sizeBytes: 0 }, { relativePath: 'a/b.bin', kind: 'file', sizeBytes: 5 }, { relativePath: 'e', kind: 'file', sizeBytes: 0 }]
    expect(decodeManifest(encodeManifest(entries))).toEqual(entries)
    expect(codeOf(() => encodeManifest([entries[1]!, entries[1]!]))).toBe('FERRY_MANIFEST_DUPLICATE')
    expect(codeOf(() => encodeManifest([{ relativePath: 'f', kind: 'file', sizeBytes: 1 }, { relativePath: 'f/g', kind: 'file', sizeBytes: 1 }]))).toBe('FERRY_MANIFEST_CONFLICT')
    const bytes = encodeManifest(entries)
    for (let len = 0; len < bytes.length; len++) expect(codeOf(() => decodeManifest(bytes.subarray(0, len)))).toMatch(/^FERRY_/)
  })

  it('lays every chunk inside one file or its digest (property)', () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: 0, max: 5000 }), { minLength: 1, maxLength: 8 }), sizes => {
      const entries: ManifestEntry[] = sizes.map((sizeBytes, i) => ({ relativePath: `f${i}`, kind: 'file', sizeBytes }))
      const layout = new ManifestLayout(entries, 100)
      let covered = layout.manifestRegionBytes
      for (let g = layout.manifestRegionBytes; g < layout.totalBytes;) {
        const c = layout.chunkAt(g)!
        expect(c.globalOffset).toBe(g)
        expect(c.lengthBytes).toBeLessThanOrEqual(MAX_PAYLOAD_BYTES)
        const size = entries[c.fileIndex]!.sizeBytes
        expect(c.offsetBytes === size ? c.lengthBytes === DIGEST_BYTES : c.offsetBytes + c.lengthBytes <= size).toBe(true)
        expect(layout.globalOffset(c.fileIndex, c.offsetBytes)).toBe(g)
        g += c.lengthBytes
        covered = g
      }
      expect(covered).toBe(layout.totalBytes)
    }), { numRuns: 300 })
  })
})
