import type { FastifyRequest } from 'fastify'
import { describe, expect, it } from 'vitest'
import { reauthenticationPath, requireRecentAuth } from './recent-auth.js'

const requestLoggedInAt = (authTime: string) => ({ user: { authTime: new Date(authTime) } }) as unknown as FastifyRequest

describe('requireRecentAuth (before emergency access)', () => {
  const now = new Date('2026-12-07T12:00:00Z')
  it('lets a login within the limit through', () => {
    expect(() => requireRecentAuth(requestLoggedInAt('2026-12-07T11:55:00Z'), 300, now)).not.toThrow()
  })
  it('asks for a new login past it, with a coded error', () => {
    expect(() => requireRecentAuth(requestLoggedInAt('2026-12-07T11:54:59Z'), 300, now)).toThrow(expect.objectContaining({ code: 'REAUTHENTICATION-REQUIRED', statusCode: 401 }))
  })
  it('says where a HelseID user logs in again', () => {
    expect(reauthenticationPath(300, '/patients/1')).toBe('/api/session/helseid?maxAge=300&returnTo=%2Fpatients%2F1')
  })
})
