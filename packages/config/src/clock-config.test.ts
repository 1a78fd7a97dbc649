import { describe, expect, it } from 'vitest'
import { ConfigError, describePlatformConfig, loadPlatformConfig } from './platform-config.js'

// The platform clock at start (docs/decisions/0014): demo and test mode only.
const production = { VARDE_MODE: 'production', VARDE_SERVICE_SECRET: 's3cret-s3cret-s3cret-s3cret-s3cret', DATABASE_URL: 'postgres://db/varde' }

describe('the clock configuration', () => {
  it('is the wall clock unless set', () => {
    expect(loadPlatformConfig({ VARDE_MODE: 'demo' }).clock).toBeNull()
    expect(loadPlatformConfig(production).clock).toBeNull()
  })

  it.each([
    [{ VARDE_CLOCK_OFFSET: '14d' }, { offsetMs: 14 * 86_400_000, speed: 1 }],
    [{ VARDE_CLOCK_SPEED: '60' }, { offsetMs: 0, speed: 60 }],
    [{ VARDE_CLOCK_OFFSET: '-2h', VARDE_CLOCK_SPEED: '0.5' }, { offsetMs: -7_200_000, speed: 0.5 }],
  ])('takes %j in demo mode', (env, clock) => {
    const c = loadPlatformConfig({ VARDE_MODE: 'demo', ...env })
    expect(c.clock).toEqual(clock)
    expect(describePlatformConfig(c).VARDE_CLOCK_SPEED).toBe(String(clock.speed))
  })

  it.each([
    [{ VARDE_CLOCK_OFFSET: 'two weeks' }, /VARDE_CLOCK_OFFSET: must be a duration/],
    [{ VARDE_CLOCK_OFFSET: '14' }, /VARDE_CLOCK_OFFSET: must be a duration/],
    [{ VARDE_CLOCK_SPEED: '0' }, /VARDE_CLOCK_SPEED: must be a number above 0/],
    [{ VARDE_CLOCK_SPEED: 'fast' }, /VARDE_CLOCK_SPEED: must be a number above 0/],
  ])('refuses %j with a clear message', (env, message) => {
    expect(() => loadPlatformConfig({ VARDE_MODE: 'demo', ...env })).toThrow(message)
  })

  it.each([[{ VARDE_CLOCK_OFFSET: '14d' }], [{ VARDE_CLOCK_SPEED: '2' }], [{ VARDE_CLOCK_OFFSET: '0' }]])('is refused in production mode: %j', (env) => {
    expect(() => loadPlatformConfig({ ...production, ...env })).toThrow(ConfigError)
    expect(() => loadPlatformConfig({ ...production, ...env })).toThrow(/only in demo and test mode/)
  })
})
