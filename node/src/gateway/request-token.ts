// Finds the transfer token an HTTP request carries: `Authorization: Bearer …` first, else `?token=` (plain links, curl).
import type { FastifyRequest } from 'fastify'

export function requestToken (request: FastifyRequest): string | undefined {
  const header = request.headers.authorization
  if (typeof header === 'string') {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header)
    if (match !== null) return match[1]
  }
  const query = request.query as Record<string, unknown> | undefined
  const token = query?.token
  return typeof token === 'string' && token !== '' ? token : undefined
}
