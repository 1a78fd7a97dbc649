import { parseArgs } from 'node:util'
import { MAX_CLOCK_SPEED, parseClockOffset, parseClockSpeed } from '@varde/domain'
import { PlatformClient } from '../platform-api/platform-client.js'
import { COMMON_OPTIONS, connectionFrom, UsageError, type CliEnvironment } from './cli-config.js'
import { CLOCK_USAGE } from './usage.js'

/** What `GET /api/clock` and `POST /api/admin/clock` answer (docs/decisions/0014-platform-clock.md). */
interface ClockAnswer { now: string; offsetMs: number; speed: number; isWallClock: boolean }

/**
 * `varde-sim clock`: shows the platform clock, or moves it (an administrator's
 * call, demo and test mode only) so a tester can jump a patient through two
 * weeks of start-up period in seconds. Only through the platform's HTTP API,
 * as any outside tool would.
 */
export async function clockCommand(args: string[], env: CliEnvironment): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      ...COMMON_OPTIONS,
      advance: { type: 'string' }, offset: { type: 'string' }, speed: { type: 'string' }, reset: { type: 'boolean' },
      user: { type: 'string' }, password: { type: 'string' },
    },
  })
  if (values.help) {
    console.log(CLOCK_USAGE)
    return 0
  }
  const ways = [values.advance, values.offset, values.reset].filter((x) => x !== undefined)
  if (ways.length > 1) throw new UsageError('clock takes one of --advance, --offset and --reset')
  for (const [name, text] of [['--advance', values.advance], ['--offset', values.offset]] as const) {
    if (text !== undefined && parseClockOffset(text) === null) throw new UsageError(`${name} ${text}: a duration such as 14d, -2h, 1w2d3h or 0`)
  }
  const speed = values.speed === undefined ? undefined : parseClockSpeed(values.speed)
  if (speed === null) throw new UsageError(`--speed ${values.speed}: a number above 0 and at most ${MAX_CLOCK_SPEED}`)
  if (values.reset && speed !== undefined) throw new UsageError('--reset takes no --speed')

  const connection = connectionFrom(values, env)
  const client = new PlatformClient(connection.httpUrl)
  const isMove = ways.length > 0 || speed !== undefined
  // moving the clock is an administrator's; reading it, anyone's
  await client.login({ username: values.user ?? (isMove ? 'admin' : env.user), password: values.password ?? env.password })
  const answer = (isMove
    ? await client.sendJson('POST', '/api/admin/clock', {
      ...(values.advance !== undefined ? { advance: values.advance } : {}),
      ...(values.offset !== undefined ? { offset: values.offset } : {}),
      ...(values.reset ? { reset: true } : {}),
      ...(speed !== undefined ? { speed } : {}),
    })
    : await client.getJson('/api/clock')) as ClockAnswer
  console.log(describeClock(answer))
  return 0
}

/** `platform time 2026-12-21T10:00:00.000Z (wall clock +14d 0h 0m, speed 1)` */
export function describeClock(c: ClockAnswer): string {
  if (c.isWallClock) return `platform time ${c.now} (the wall clock)`
  const sign = c.offsetMs < 0 ? '-' : '+'
  const minutes = Math.round(Math.abs(c.offsetMs) / 60_000)
  const offset = `${sign}${Math.floor(minutes / 1440)}d ${Math.floor((minutes % 1440) / 60)}h ${minutes % 60}m`
  return `platform time ${c.now} (wall clock ${offset}, speed ${c.speed})`
}
