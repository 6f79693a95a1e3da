// What the browser remembers about picks and unfinished uploads: tree paths, traversal refused, resume records.
import { describe, expect, it } from 'vitest'
import { cleanPickedPath, isTraversal, mergePicked, type PickedEntry } from '../portal/web/src/upload/picked-entry.js'
import { PendingUploadStore } from '../portal/web/src/upload/pending-upload-store.js'
import { layoutMesh } from '../portal/web/src/admin/mesh-layout.js'

const file = (path: string): PickedEntry => ({ kind: 'file', path, file: { size: 1 } as File })

describe('picked entries', () => {
  it('normalises browser paths to NFC and forward slashes', () => {
    expect(cleanPickedPath('/photos/e\u0301te\u0301\\a.jpg')).toBe('photos/\u00e9t\u00e9/a.jpg')
    expect(cleanPickedPath('a//b/./c')).toBe('a/b/c')
  })

  it('spots traversal', () => {
    expect(isTraversal('a/../b')).toBe(true)
    expect(isTraversal('..')).toBe(true)
    expect(isTraversal('a/..b/c')).toBe(false)
  })

  it('merges picks by path, drops folders that hold files, sorts', () => {
    const merged = mergePicked([file('b/x'), { kind: 'folder', path: 'empty' }, { kind: 'folder', path: 'b' }], [file('a'), file('b/x')])
    expect(merged.map(e => `${e.kind}:${e.path}`)).toEqual(['file:a', 'file:b/x', 'folder:empty'])
  })
})

describe('PendingUploadStore', () => {
  it('keeps unfinished uploads and the files already done', () => {
    const map = new Map<string, string>()
    const storage = { getItem: (k: string) => map.get(k) ?? null, setItem: (k: string, v: string) => { map.set(k, v) } }
    const store = new PendingUploadStore(storage)
    store.save({ packageId: 'p1', title: 'T', files: [{ path: 'a', sizeBytes: 1, lastModifiedMs: 0 }], donePaths: [], startedAtMs: 1 })
    store.markDone('p1', 'a')
    store.markDone('p1', 'a')
    expect(new PendingUploadStore(storage).get('p1')?.donePaths).toEqual(['a'])
    store.remove('p1')
    expect(store.list()).toEqual([])
    map.set('ferry.pending-uploads', '{corrupt')
    expect(store.list()).toEqual([])
  })
})

describe('layoutMesh', () => {
  it('draws each peer link once and takes the larger of the two ends\' rate reports', () => {
    const { placed, edges } = layoutMesh([
      { id: 'P1', name: 'a', online: true, peers: [{ peerId: 'P2', connected: true, rttMs: 3 }], transfers: [{ id: 't', peerId: 'P2', direction: 'replicate', rateBitsPerSec: 8e6 }, { id: 'c', peerId: 'client', rateBitsPerSec: 8e6 }] },
      { id: 'P2', name: 'b', online: true, peers: [{ peerId: 'P1', rttMs: 2 }, { peerId: 'stranger' }], transfers: [{ id: 't', peerId: 'P1', direction: 'replicate', rateBitsPerSec: 4e6 }] },
      { id: 'P3', name: 'c', online: false, peers: [{ peerId: 'P1', connected: false }], transfers: [] }
    ], 600, 400)
    expect(placed).toHaveLength(3)
    expect(placed.find(p => p.id === 'P1')?.rateBytesPerSec).toBe(2e6)
    expect(edges).toEqual([{ a: 'P1', b: 'P2', rttMs: 2, rateBytesPerSec: 1e6 }])
    expect(placed.every(p => p.x >= 0 && p.x <= 600 && p.y >= 0 && p.y <= 400)).toBe(true)
  })
})
