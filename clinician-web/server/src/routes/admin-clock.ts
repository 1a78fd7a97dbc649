import { INTERNAL_TOPICS, isWallClock, MAX_CLOCK_SPEED, parseClockOffset } from '@varde/domain'
import type { FastifyRequest } from 'fastify'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { ClockView } from '../access/clock.js'
import { errorBody } from '../input-schemas.js'
import type { LiveEvents } from '../live-events.js'
import { accessOf, requireUser } from '../plugins/auth.js'

const offsetText = z.string().max(40).refine((t) => parseClockOffset(t) !== null, 'a duration such as 14d, -2h, 1w2d3h or 0')
const clockSchema = z.object({
  now: z.string().describe('Platform time now'),
  wallNow: z.string().describe('Wall-clock time now'),
  offsetMs: z.number().describe('Platform time minus wall time, now'),
  speed: z.number(),
  isWallClock: z.boolean(),
})

const toJson = (view: ClockView): z.infer<typeof clockSchema> => {
  const wallNow = Date.now()
  return {
    now: view.now.toISOString(), wallNow: new Date(wallNow).toISOString(), offsetMs: view.now.getTime() - wallNow,
    speed: view.setting.speed, isWallClock: isWallClock(view.setting),
  }
}

/**
 * The platform clock for testers (issue 17; docs/decisions/0014): read by
 * anyone logged in, moved by an administrator in demo and test mode only
 * (production mode refuses, 403 `clock-fixed`). After a change every part is
 * told over MQTT (`INTERNAL_TOPICS.clockChanged`) and reloads it at once.
 */
export const adminClockRoutes: FastifyPluginAsyncZod<{ live: LiveEvents; mode: 'demo' | 'production' }> = async (app, { live, mode }) => {
  app.addHook('preHandler', requireUser)

  /** The database has the setting; a lost event only delays the others until their periodic reload (5 s). */
  const announce = async (request: FastifyRequest) => {
    const timeout = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 2000).unref())
    const result = await Promise.race([live.publish(INTERNAL_TOPICS.clockChanged, '{}').then(() => 'sent' as const, () => 'failed' as const), timeout])
    if (result !== 'sent') request.log.warn({ event: 'clock-change-not-announced', result }, 'clock change not announced; parts reload it within seconds')
  }

  app.get('/api/clock', {
    config: { access: 'none' },
    schema: { tags: ['clock'], summary: 'The platform clock: its time, offset from the wall clock and speed', response: { 200: clockSchema, 401: errorBody } },
  }, async (request) => toJson(await accessOf(request).clock.read()))

  app.post('/api/admin/clock', {
    config: { access: 'admin' },
    schema: {
      tags: ['admin', 'clock'],
      summary: 'Move the platform clock (demo and test mode only)',
      description: 'One of: `offset` (from the wall clock, e.g. `14d`), `advance` (from the platform time now, e.g. `2w`), '
        + '`reset: true` (back to the wall clock); `speed` (platform seconds per second, default 1) with either, or alone. '
        + 'Production mode answers 403 `clock-fixed`.',
      body: z.object({
        offset: offsetText.optional(),
        advance: offsetText.optional(),
        speed: z.number().positive().max(MAX_CLOCK_SPEED).optional(),
        reset: z.literal(true).optional(),
      }).strict().refine((b) => [b.offset, b.advance, b.reset].filter((x) => x !== undefined).length <= 1, 'at most one of offset, advance and reset')
        .refine((b) => !(b.reset && b.speed !== undefined), 'reset takes no speed')
        .refine((b) => b.offset !== undefined || b.advance !== undefined || b.reset !== undefined || b.speed !== undefined, 'say how to move the clock'),
      response: { 200: clockSchema, 400: errorBody, 403: errorBody },
    },
  }, async (request) => {
    const access = accessOf(request)
    await access.clock.requireClockSetter(mode)
    const { offset, advance, speed, reset } = request.body
    const view = reset ? await access.clock.reset()
      : offset !== undefined ? await access.clock.set({ kind: 'offset', offsetMs: parseClockOffset(offset)!, speed: speed ?? 1 })
        : advance !== undefined ? await access.clock.set({ kind: 'advance', byMs: parseClockOffset(advance)!, speed: speed ?? 1 })
          : await access.clock.set({ kind: 'speed', speed: speed! })
    await announce(request)
    return toJson(view)
  })
}
