import {
  createdUserSchema, createUserBody, errorBody, passwordSchema, staffUserListSchema, teamBody, updateUserBody, uuidParam, type StaffUser,
} from '@varde/api-contract'
import { careTeamChangedEvent, INTERNAL_TOPICS } from '@varde/domain'
import type { FastifyRequest } from 'fastify'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { LiveEvents } from '../live-events.js'
import type { SessionStreams } from '../session-streams.js'
import { accessOf, requireUser } from '../plugins/auth.js'

const params = z.object({ id: uuidParam })
const memberParams = z.object({ id: uuidParam, memberId: uuidParam })
const ADMIN_ONLY = 'A tenant administrator only (403 for others); another tenant\'s user is answered as an unknown one (404).'

/**
 * Users and roles, for a tenant's administrator (issue 17): the staff, a new
 * user with a password shown once, role, enable and disable, a password
 * reset, and which patients' care teams a user is on. Through the access
 * layer (access/users.ts): one access-log entry per call, each write in the
 * statement of its entry. Disabling ends the user's sessions at once: they
 * are deleted with the change, and this server's open live streams of them
 * are closed before the answer (another server's close at their session
 * check, routes/events.ts).
 */
export const adminUserRoutes: FastifyPluginAsyncZod<{ live: LiveEvents; streams: SessionStreams }> = async (app, { live, streams }) => {
  app.addHook('preHandler', requireUser)
  app.addHook('preHandler', async (request) => accessOf(request).users.requireAdmin())

  /** A care-team change, announced as the care team's own routes announce it: every live stream reads its access again. */
  const announce = async (request: FastifyRequest, patientId: string) => {
    const event = careTeamChangedEvent({ tenantId: accessOf(request).actor.tenantId, patientId })
    const timeout = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 2000).unref())
    const sent = live.publish(INTERNAL_TOPICS.careTeamChanged, JSON.stringify(event)).then(() => 'sent' as const, () => 'failed' as const)
    const result = await Promise.race([sent, timeout])
    if (result !== 'sent') request.log.warn({ event: 'care-team-change-not-announced', patientId, result }, 'care-team change not announced over MQTT')
  }

  app.get('/api/admin/users', {
    config: { access: 'admin' },
    schema: {
      tags: ['admin'], summary: 'The tenant\'s staff with their roles and care teams, and the patients they may be put on',
      description: ADMIN_ONLY, response: { 200: staffUserListSchema, 403: errorBody },
    },
  }, async (request) => {
    const { users, patients } = await accessOf(request).users.list()
    return {
      items: users.map((u): StaffUser => ({
        id: u.id, username: u.username, displayName: u.displayName, role: u.role, isEnabled: u.disabledAt === null,
        createdAt: u.createdAt.toISOString(), patients: u.patients,
      })),
      patients,
    }
  })

  app.post('/api/admin/users', {
    config: { access: 'admin' },
    schema: {
      tags: ['admin'], summary: 'Create a user; the answer holds their first password, shown this once',
      description: `409 \`username-taken\` when the name is in use (in any tenant: one logs in by username alone). ${ADMIN_ONLY}`,
      body: createUserBody, response: { 201: createdUserSchema, 400: errorBody, 403: errorBody, 409: errorBody },
    },
  }, async (request, reply) => {
    const created = await accessOf(request).users.create(request.body)
    return reply.code(201).header('cache-control', 'no-store').send({ id: created.userId, password: created.password })
  })

  app.patch('/api/admin/users/:id', {
    config: { access: 'admin' },
    schema: {
      tags: ['admin'], summary: 'Set a user\'s role, or enable or disable them (a disabled user\'s sessions end at once)',
      description: `409 \`own-account\` for disabling or demoting oneself. ${ADMIN_ONLY}`,
      params, body: updateUserBody, response: { 204: z.null(), 400: errorBody, 403: errorBody, 404: errorBody, 409: errorBody },
    },
  }, async (request, reply) => {
    const changed = await accessOf(request).users.update(request.params.id, request.body)
    if (changed.disabled) streams.endUser(request.params.id)
    return reply.code(204).send(null)
  })

  app.post('/api/admin/users/:id/password', {
    config: { access: 'admin' },
    schema: {
      tags: ['admin'], summary: 'Give a user a new password, shown this once; their sessions end',
      description: ADMIN_ONLY, params, response: { 200: passwordSchema, 403: errorBody, 404: errorBody },
    },
  }, async (request, reply) => {
    const reset = await accessOf(request).users.resetPassword(request.params.id)
    streams.endUser(request.params.id)
    return reply.header('cache-control', 'no-store').send(reset)
  })

  app.post('/api/admin/users/:id/care-team', {
    config: { access: 'admin' },
    schema: {
      tags: ['admin'], summary: 'Put the user on a patient\'s care team (a relationship of the municipality, home care by default)',
      description: `The decision is recorded with the administrator as its maker. 409 \`already-member\`, 409 \`not-a-carer\` (a privacy officer). ${ADMIN_ONLY}`,
      params, body: teamBody, response: { 201: z.object({ memberId: z.string() }), 403: errorBody, 404: errorBody, 409: errorBody },
    },
  }, async (request, reply) => {
    const b = request.body
    const member = await accessOf(request).users.addToTeam(request.params.id, b.patientId, b.relation, b.reason ?? 'put on the care team by the administrator')
    await announce(request, b.patientId)
    return reply.code(201).send({ memberId: member.id })
  })

  app.post('/api/admin/users/:id/care-team/:memberId/end', {
    config: { access: 'admin' },
    schema: {
      tags: ['admin'], summary: 'Take the user off a patient\'s care team (the relationship ends now; access with it)',
      description: ADMIN_ONLY, params: memberParams,
      response: { 204: z.null(), 403: errorBody, 404: errorBody },
    },
  }, async (request, reply) => {
    const ended = await accessOf(request).users.removeFromTeam(request.params.id, request.params.memberId, 'taken off the care team by the administrator')
    await announce(request, ended.patientId)
    return reply.code(204).send(null)
  })
}
