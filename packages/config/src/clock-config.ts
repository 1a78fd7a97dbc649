import { MAX_CLOCK_SPEED, parseClockOffset, parseClockSpeed } from '@varde/domain'
import { z } from 'zod'

/**
 * The platform clock at start (docs/decisions/0014-platform-clock.md): testers
 * start the platform some time ahead (VARDE_CLOCK_OFFSET, e.g. `14d`) and/or
 * running fast (VARDE_CLOCK_SPEED, platform seconds per second). Demo and
 * test mode only: production mode refuses both, and its clock is the wall's.
 */
export const clockEnvShape = {
  VARDE_CLOCK_OFFSET: z.string().refine((t) => parseClockOffset(t) !== null, 'must be a duration such as 14d, -2h, 1w2d3h or 0').optional(),
  VARDE_CLOCK_SPEED: z.string().refine((t) => parseClockSpeed(t) !== null, `must be a number above 0 and at most ${MAX_CLOCK_SPEED}`).optional(),
}

type ClockEnv = z.output<z.ZodObject<typeof clockEnvShape>>

/** null: the wall clock (and, at start, any clock a tester left in the database is put back to it). */
export type ClockConfig = { offsetMs: number; speed: number } | null

export function clockConfigOf(e: ClockEnv, isDemo: boolean, problems: string[]): ClockConfig {
  if (e.VARDE_CLOCK_OFFSET === undefined && e.VARDE_CLOCK_SPEED === undefined) return null
  if (!isDemo) {
    problems.push('VARDE_CLOCK_OFFSET, VARDE_CLOCK_SPEED: the platform clock is moved only in demo and test mode')
    return null
  }
  return { offsetMs: parseClockOffset(e.VARDE_CLOCK_OFFSET ?? '0') ?? 0, speed: parseClockSpeed(e.VARDE_CLOCK_SPEED ?? '1') ?? 1 }
}

export function describeClockConfig(c: ClockConfig): Record<string, string> {
  return {
    VARDE_CLOCK_OFFSET: c ? `${c.offsetMs / 1000}s` : '(unset: the wall clock)',
    VARDE_CLOCK_SPEED: c ? String(c.speed) : '(unset: real time)',
  }
}
