import { describe, expect, it } from 'vitest'
import { deviceKindsFor, normalizeProfiles, scheduleFor } from './profiles.js'

describe('condition profiles', () => {
  it('orders profiles canonically and uses general only when nothing else is given', () => {
    expect(normalizeProfiles(['hypertension', 'copd', 'copd'])).toEqual(['copd', 'hypertension'])
    expect(normalizeProfiles(['general', 'diabetes'])).toEqual(['diabetes'])
    expect(normalizeProfiles([])).toEqual(['general'])
  })

  it('merges the day plans of several conditions into one, sessions at the same time together', () => {
    expect(scheduleFor(['copd', 'heart-failure'])).toEqual([
      { time: '07:30', devices: ['scale'] },
      { time: '08:00', devices: ['oximeter', 'thermometer', 'bp-monitor'] },
      { time: '20:00', devices: ['oximeter'] },
    ])
    expect(deviceKindsFor(['diabetes'])).toEqual(['glucose-meter', 'scale'])
  })
})
