// The explicit list of API routes that need no signed-in user; every other /api route is authenticated (checked by a test that walks the route table).

/** `METHOD url` as fastify registers it; each says why it may be public. */
export const PUBLIC_API_ROUTES: ReadonlyMap<string, string> = new Map([
  ['GET /api/v1/health', 'liveness probe'],
  ['GET /api/v1/info', 'what a client needs before signing in'],
  ['GET /api/v1/keys', 'JWKS nodes verify transfer tokens with'],
  ['POST /api/v1/auth/login', 'signing in (rate-limited)'],
  ['POST /api/v1/auth/tokens', 'CLI login with user and password (rate-limited)'],
  ['GET /api/v1/invitations/:secret', 'the secret link is the credential'],
  ['POST /api/v1/invitations/:secret/accept', 'the secret link is the credential'],
  ['GET /api/v1/requests/:secret', 'the secret request link is the credential'],
  ['POST /api/v1/requests/:secret/packages', 'the secret request link is the credential'],
  ['GET /api/v1/links/:key', 'an outside recipient\'s secret link is the credential'],
  ['POST /api/v1/links/:key/download-token', 'an outside recipient\'s secret link is the credential'],
  ['POST /api/v1/packages/:id/receipts', 'a receipt is authenticated by the node\'s signature, checked against the enrolled key']
])

/** Path prefixes outside the authenticated API: the OpenAPI docs and the web UI's static files. */
export function isPublicPath (url: string): boolean {
  return url === '/api/docs' || url.startsWith('/api/docs/') || !url.startsWith('/api/')
}

export function isPublicRoute (method: string, url: string): boolean {
  const m = method === 'HEAD' ? 'GET' : method
  return PUBLIC_API_ROUTES.has(`${m} ${url}`) || isPublicPath(url)
}
