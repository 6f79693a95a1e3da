// Maps a URL path to the page the app shows; pure, so the route table is unit-tested without a browser.

export type AppRoute =
  | { page: 'sign-in', next?: string }
  | { page: 'box', box: 'inbox' | 'sent' | 'drafts' }
  | { page: 'shared-inbox', inboxId: string }
  | { page: 'new-package', draftId?: string }
  | { page: 'package', packageId: string }
  | { page: 'admin-users' }
  | { page: 'admin-groups' }
  | { page: 'admin-nodes' }
  | { page: 'admin-audit' }
  | { page: 'not-found', path: string }

const fixed: Record<string, AppRoute> = {
  '/': { page: 'box', box: 'inbox' },
  '/inbox': { page: 'box', box: 'inbox' },
  '/sent': { page: 'box', box: 'sent' },
  '/drafts': { page: 'box', box: 'drafts' },
  '/new': { page: 'new-package' },
  '/admin': { page: 'admin-users' },
  '/admin/users': { page: 'admin-users' },
  '/admin/groups': { page: 'admin-groups' },
  '/admin/nodes': { page: 'admin-nodes' },
  '/admin/audit': { page: 'admin-audit' }
}

/** `search` is location.search (used for ?next= on the sign-in page). */
export function matchRoute (path: string, search = ''): AppRoute {
  const clean = path.length > 1 ? path.replace(/\/+$/, '') : path
  const known = fixed[clean]
  if (known !== undefined) return known
  if (clean === '/sign-in') {
    const next = new URLSearchParams(search).get('next') ?? undefined
    // Only same-site paths: an open redirect through ?next= would let a link send people anywhere after signing in.
    return next !== undefined && next.startsWith('/') && !next.startsWith('//') ? { page: 'sign-in', next } : { page: 'sign-in' }
  }
  const segments = clean.split('/').slice(1).map(s => safeDecode(s))
  if (segments.length === 2 && segments[0] === 'packages' && segments[1] !== '') return { page: 'package', packageId: segments[1] }
  if (segments.length === 2 && segments[0] === 'inboxes' && segments[1] !== '') return { page: 'shared-inbox', inboxId: segments[1] }
  if (segments.length === 2 && segments[0] === 'drafts' && segments[1] !== '') return { page: 'new-package', draftId: segments[1] }
  return { page: 'not-found', path }
}

/** Whether a route needs the admin role. */
export function isAdminRoute (route: AppRoute): boolean {
  return route.page.startsWith('admin-')
}

function safeDecode (segment: string): string {
  try {
    return decodeURIComponent(segment)
  } catch {
    return segment
  }
}
