import { describe, expect, it } from 'vitest'
import { measurementsStoredMessages } from '../topics.js'
import { alertChangedEvent, alertChangedEventSchema } from './alert-changed.js'
import { gatewayStatusStoredEvent, gatewayStatusStoredEventSchema } from './gateway-status-stored.js'
import { measurementsStoredEvents, measurementsStoredMessageSchema, storedReadingOf } from './measurements-stored.js'

describe('the internal events: one builder and one schema each', () => {
  const facts = {
    tenantId: 'demo', patientId: 'p1', alertId: 'a1', change: 'opened' as const, revision: 1, severity: 'red' as const, status: 'open' as const,
  }

  it('builds an alert-changed event from a Date or the database\'s timestamp text, as ISO text', () => {
    expect(alertChangedEvent({ ...facts, at: new Date('2026-12-07T10:00:00Z') }).at).toBe('2026-12-07T10:00:00.000Z')
    // jsonb's rendering of now() (the outbox): a space, microseconds and an offset
    expect(alertChangedEvent({ ...facts, at: '2026-12-07 11:00:00.123456+01' }).at).toBe('2026-12-07T10:00:00.123Z')
    expect(alertChangedEventSchema.parse(alertChangedEvent({ ...facts, at: new Date() }))).toMatchObject(facts)
  })

  it('refuses an alert-changed event with a field wrong, rather than sending it to every portal', () => {
    expect(() => alertChangedEvent({ ...facts, change: 'exploded' as never, at: new Date() })).toThrow()
    expect(() => alertChangedEvent({ ...facts, revision: 1.5, at: new Date() })).toThrow()
  })

  it('groups stored readings by patient, in the order they came, and the server reads back what was sent', () => {
    const at = new Date('2026-12-07T10:00:00Z')
    const reading = (id: string) => storedReadingOf(id, { type: 'spo2', value: 95, unit: '%', measuredAt: at, flags: [] })
    const events = measurementsStoredEvents([
      { tenantId: 't', patientId: 'p1', gatewayId: 'g1', reading: reading('r1') },
      { tenantId: 't', patientId: 'p2', gatewayId: 'g2', reading: reading('r2') },
      { tenantId: 't', patientId: 'p1', gatewayId: 'g1', reading: reading('r3') },
    ])
    expect(events.map((e) => [e.patientId, e.readings.map((r) => r.id)])).toEqual([['p1', ['r1', 'r3']], ['p2', ['r2']]])
    const sent = measurementsStoredMessages(events).flatMap((m) => measurementsStoredMessageSchema.parse(JSON.parse(m)))
    expect(sent).toEqual(events)
  })

  it('builds the gateway-status-stored event its schema accepts', () => {
    const event = gatewayStatusStoredEvent('gw-1', { state: 'online', battery: 80 }, new Date('2026-12-07T10:00:00Z'))
    expect(gatewayStatusStoredEventSchema.parse(event)).toEqual({ gatewayId: 'gw-1', state: 'online', battery: 80, at: '2026-12-07T10:00:00.000Z' })
  })
})
