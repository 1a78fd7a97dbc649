import { checkNationalId } from '@varde/domain'
import { describe, expect, it } from 'vitest'
import { DEMO_PATIENTS, DEMO_SHIFT_SIZE, demoShiftPatients, NABO_PATIENTS } from '../src/index.js'

// Issue 20, "Realistic demo": the demo nurse's shift of 80, from a seeded PRNG.
describe('the demo shift', () => {
  it('makes the demo nurse\'s list 80 with the same invented people every time, none sharing a name with the 14 the specs name', () => {
    const shift = demoShiftPatients()
    expect(shift.length + DEMO_PATIENTS.length).toBe(DEMO_SHIFT_SIZE)
    expect(demoShiftPatients()).toEqual(shift)
    const known = [...DEMO_PATIENTS, ...NABO_PATIENTS].flatMap((p) => p.displayName.split(' '))
    for (const p of shift) for (const part of p.displayName.split(' ')) expect(known).not.toContain(part)
    expect(new Set(shift.map((p) => p.displayName)).size).toBe(shift.length)
    for (const p of shift) expect(checkNationalId(p.nationalId)).toMatchObject({ isValid: true, isSynthetic: true })
    expect(new Set([...shift, ...DEMO_PATIENTS].map((p) => p.nationalId)).size).toBe(DEMO_SHIFT_SIZE)
    // every condition, a hospital stay, a silent gateway, worsening
    for (const c of ['copd', 'heart-failure', 'diabetes', 'hypertension']) expect(shift.filter((p) => (p.conditions as string[]).includes(c)).length).toBeGreaterThan(5)
    expect(shift.filter((p) => p.story.pause)).toHaveLength(1)
    expect(shift.filter((p) => p.story.silentSinceYesterdayHour !== undefined)).toHaveLength(1)
    expect(shift.filter((p) => p.story.episodes?.length).length).toBeGreaterThanOrEqual(4)
  })
})
