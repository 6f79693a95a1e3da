// Client paths inside a package: canonical when harmless, a coded refusal when they could escape or not fit a filesystem.
import { describe, it, expect } from 'vitest'
import { checkPackagePath } from '../../src/gateway/package-path.js'
import { checkPackageId } from '../../src/gateway/package-id.js'

function codeOf (fn: () => unknown): string {
  try { fn() } catch (err) { return (err as { code: string }).code }
  return 'no error'
}

describe('checkPackagePath', () => {
  it('keeps folders, Unicode (as NFC) and 255-byte names', () => {
    expect(checkPackagePath('a/b/c.txt')).toBe('a/b/c.txt')
    expect(checkPackagePath('folder/')).toBe('folder')
    expect(checkPackagePath('cafe\u0301.txt')).toBe('caf\u00e9.txt')
    expect(checkPackagePath('..hidden/x..y')).toBe('..hidden/x..y')
    expect(checkPackagePath('x'.repeat(255))).toBe('x'.repeat(255))
  })

  it('refuses traversal, absolute paths, NUL, backslashes, control characters, empty segments and long names', () => {
    expect(codeOf(() => checkPackagePath('../x'))).toBe('FERRY_GATEWAY_PATH_TRAVERSAL')
    expect(codeOf(() => checkPackagePath('a/..'))).toBe('FERRY_GATEWAY_PATH_TRAVERSAL')
    expect(codeOf(() => checkPackagePath('/x'))).toBe('FERRY_GATEWAY_PATH_ABSOLUTE')
    expect(codeOf(() => checkPackagePath('c:x'))).toBe('FERRY_GATEWAY_PATH_ABSOLUTE')
    expect(codeOf(() => checkPackagePath('a\0'))).toBe('FERRY_GATEWAY_PATH_INVALID')
    expect(codeOf(() => checkPackagePath('a\\b'))).toBe('FERRY_GATEWAY_PATH_INVALID')
    expect(codeOf(() => checkPackagePath('a\nb'))).toBe('FERRY_GATEWAY_PATH_INVALID')
    expect(codeOf(() => checkPackagePath('a/./b'))).toBe('FERRY_GATEWAY_PATH_INVALID')
    expect(codeOf(() => checkPackagePath(''))).toBe('FERRY_GATEWAY_PATH_INVALID')
    expect(codeOf(() => checkPackagePath(42))).toBe('FERRY_GATEWAY_PATH_INVALID')
    expect(codeOf(() => checkPackagePath('x'.repeat(256)))).toBe('FERRY_GATEWAY_PATH_TOO_LONG')
    expect(codeOf(() => checkPackagePath(Array(20).fill('y'.repeat(250)).join('/')))).toBe('FERRY_GATEWAY_PATH_TOO_LONG')
  })
})

describe('checkPackageId', () => {
  it('accepts printable ids and refuses separators and empties', () => {
    expect(checkPackageId('pkg_01HX-abc.1')).toBe('pkg_01HX-abc.1')
    for (const bad of ['', 'a/b', 'a\\b', 'a b', 'x'.repeat(201), undefined]) expect(codeOf(() => checkPackageId(bad))).toBe('FERRY_GATEWAY_PACKAGE_ID')
  })
})
