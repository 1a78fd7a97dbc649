import { createHash } from 'node:crypto'
import type { FastifyReply, FastifyRequest } from 'fastify'

/**
 * ETags of reads (R4 http.html#read, issue 22). Varde keeps no version ids
 * (no vread, no history): the tag is weak and a digest of the resource as
 * served, so it changes exactly when what the caller would see changes, and
 * `If-None-Match` with it answers 304 without a body. The read is still a
 * read: the access layer has checked the care relationship and logged it
 * before this runs. Searches get none: a page's content moves with paging.
 */
export function etagOf(payload: string): string {
  return `W/"${createHash('sha256').update(payload).digest('base64url').slice(0, 27)}"`
}

const isRead = (request: FastifyRequest) => request.method === 'GET' && /\/:id$/.test(request.routeOptions.url ?? '')

/** The onSend step: the tag on a 200 read, or a 304 where the caller's If-None-Match names it. */
export function withEtag(request: FastifyRequest, reply: FastifyReply, payload: unknown): unknown {
  if (reply.statusCode !== 200 || typeof payload !== 'string' || !isRead(request)) return payload
  const etag = etagOf(payload)
  reply.header('etag', etag)
  const asked = request.headers['if-none-match']
  const tags = (Array.isArray(asked) ? asked.join(',') : (asked ?? '')).split(',').map((t) => t.trim().replace(/^W\//, ''))
  if (tags.includes('*') || tags.includes(etag.replace(/^W\//, ''))) {
    reply.code(304)
    reply.removeHeader('content-type')
    return ''
  }
  return payload
}
