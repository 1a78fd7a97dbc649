/**
 * The platform clock (docs/decisions/0014-platform-clock.md): one clock for
 * every part, so testers move a patient through weeks in seconds. Platform
 * time is `anchorPlatform + (wall − anchorWall) × speed`; the wall clock is
 * the setting with offset 0 and speed 1. Pure: the setting lives in the
 * database (table platform_clock, SQL varde_now()) and each part holds a copy.
 */
export interface ClockSetting {
  /** Wall time (ms since the epoch) at which the setting was made. */
  anchorWallMs: number
  /** Platform time (ms) at that moment. */
  anchorPlatformMs: number
  /** Platform milliseconds per wall millisecond (1: real time). */
  speed: number
}

/** The most a tester may speed the clock up: a day per second is 86,400. */
export const MAX_CLOCK_SPEED = 100_000

export const WALL_CLOCK: ClockSetting = { anchorWallMs: 0, anchorPlatformMs: 0, speed: 1 }

export const isWallClock = (s: ClockSetting): boolean => s.speed === 1 && s.anchorPlatformMs === s.anchorWallMs

/** Platform time at a wall time. */
export function platformTimeAt(s: ClockSetting, wallMs: number): number {
  return s.anchorPlatformMs + (wallMs - s.anchorWallMs) * s.speed
}

/** A setting that, from `wallMs` on, runs `offsetMs` ahead of the wall clock at `speed` (offset measured now). */
export function clockSetting(p: { wallMs: number; offsetMs: number; speed: number }): ClockSetting {
  return { anchorWallMs: p.wallMs, anchorPlatformMs: p.wallMs + p.offsetMs, speed: p.speed }
}

const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const
const OFFSET = /^([+-]?)(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/

/**
 * A clock offset as testers write it: `14d`, `-2h`, `1w2d3h`, `+90m`, `0`.
 * Returns milliseconds, or null for anything else (the caller says what it wanted).
 */
export function parseClockOffset(text: string): number | null {
  const t = text.trim()
  if (t === '0') return 0
  const m = OFFSET.exec(t)
  if (!m || m.slice(2).every((x) => x === undefined)) return null
  const [w, d, h, min, s] = m.slice(2).map((x) => Number(x ?? 0)) as [number, number, number, number, number]
  const ms = w * UNIT_MS.w + d * UNIT_MS.d + h * UNIT_MS.h + min * UNIT_MS.m + s * UNIT_MS.s
  return m[1] === '-' ? -ms : ms
}

/** A speed as testers write it: a positive number up to MAX_CLOCK_SPEED; null otherwise. */
export function parseClockSpeed(text: string): number | null {
  const t = text.trim()
  if (!/^\d+(\.\d+)?$/.test(t)) return null
  const n = Number(t)
  return n > 0 && n <= MAX_CLOCK_SPEED ? n : null
}
