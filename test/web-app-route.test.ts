// The web UI's route table: every page has a path, ids are decoded, and ?next= never leaves the site.
import { describe, expect, it } from 'vitest'
import { isAdminRoute, matchRoute } from '../portal/web/src/app-route.js'

describe('matchRoute', () => {
  it('maps the fixed pages', () => {
    expect(matchRoute('/')).toEqual({ page: 'box', box: 'inbox' })
    expect(matchRoute('/sent/')).toEqual({ page: 'box', box: 'sent' })
    expect(matchRoute('/drafts')).toEqual({ page: 'box', box: 'drafts' })
    expect(matchRoute('/new')).toEqual({ page: 'new-package' })
    expect(matchRoute('/admin/nodes')).toEqual({ page: 'admin-nodes' })
    expect(isAdminRoute(matchRoute('/admin/audit'))).toBe(true)
    expect(isAdminRoute(matchRoute('/inbox'))).toBe(false)
  })

  it('decodes ids', () => {
    expect(matchRoute('/packages/p%20q')).toEqual({ page: 'package', packageId: 'p q' })
    expect(matchRoute('/inboxes/legal')).toEqual({ page: 'shared-inbox', inboxId: 'legal' })
    expect(matchRoute('/drafts/abc')).toEqual({ page: 'new-package', draftId: 'abc' })
    expect(matchRoute('/packages/%E0%A4%A')).toEqual({ page: 'package', packageId: '%E0%A4%A' })
  })

  it('keeps ?next= on this site', () => {
    expect(matchRoute('/sign-in', '?next=%2Fpackages%2Fx')).toEqual({ page: 'sign-in', next: '/packages/x' })
    expect(matchRoute('/sign-in', '?next=https://evil.example/')).toEqual({ page: 'sign-in' })
    expect(matchRoute('/sign-in', '?next=//evil.example/')).toEqual({ page: 'sign-in' })
  })

  it('reports unknown paths', () => {
    expect(matchRoute('/nope/x/y')).toEqual({ page: 'not-found', path: '/nope/x/y' })
  })
})
