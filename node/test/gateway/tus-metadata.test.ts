// Upload-Metadata round-trips UTF-8 values and refuses malformed headers with a code.
import { describe, it, expect } from 'vitest'
import { formatUploadMetadata, parseUploadMetadata } from '../../src/gateway/tus-metadata.js'

describe('Upload-Metadata', () => {
  it('round-trips UTF-8 values and empty values', () => {
    const metadata = { path: '日本/ファイル.txt', pkg: 'p1', flag: '' }
    expect(parseUploadMetadata(formatUploadMetadata(metadata))).toEqual(metadata)
    expect(parseUploadMetadata(undefined)).toEqual({})
  })

  it('refuses duplicates, non-base64 values and extra spaces', () => {
    for (const header of ['a YQ==,a YQ==', 'a !!!', 'a YQ== x', ' ,']) {
      expect(() => parseUploadMetadata(header)).toThrow(expect.objectContaining({ code: 'FERRY_GATEWAY_METADATA_INVALID' }))
    }
  })
})
