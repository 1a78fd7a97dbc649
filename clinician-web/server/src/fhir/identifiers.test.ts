import { describe, expect, it } from 'vitest'
import { deviceResourceId, FHIR_ID, observationResourceId, parseObservationId } from './identifiers.js'

describe('Observation ids (decision 0016)', () => {
  const id = '3e8bdf74-5711-485b-a2f8-807b91134346'
  it.each([
    ['now', new Date('2026-11-02T08:00:00.123Z')],
    ['before 1970', new Date('1931-05-17T23:59:59.999Z')],
    ['the last storable instant', new Date('9999-12-31T23:59:59.999Z')],
  ])('carry the reading and its time, and read back (%s)', (_name, measuredAt) => {
    const observationId = observationResourceId({ id, measuredAt })
    expect(observationId).toMatch(FHIR_ID)
    expect(parseObservationId(observationId)).toEqual({ id, measuredAt })
  })

  it.each([id, `${id}.`, `${id}.ZZ`, `${id}.0a`, `${id.toUpperCase()}.1`, `x${id}.1`, `${id}.1.2`])('refuses %s, which no Observation was given', (raw) => {
    expect(parseObservationId(raw)).toBeNull()
  })
})

describe('Device ids', () => {
  it('are the gateway id, or gateway and device joined; hashed when not a FHIR id', () => {
    expect(deviceResourceId({ kind: 'gateway', gatewayId: 'demo-gw-001', identifier: 'demo-gw-001' })).toBe('demo-gw-001')
    expect(deviceResourceId({ kind: 'device', gatewayId: 'demo-gw-001', identifier: 'AA:BB:CC:00:00:01' })).toBe('demo-gw-001.AA-BB-CC-00-00-01')
    expect(deviceResourceId({ kind: 'gateway', gatewayId: 'gw_under', identifier: 'gw_under' })).toMatch(/^h-[0-9a-f]{40}$/)
  })
})
