import { describe, expect, it } from 'vitest'
import { MEASUREMENTS_MESSAGE_MAX_READINGS, measurementsStoredMessages, type MeasurementsStoredEvent } from './topics.js'

const event = (patientId: string, readings: number): MeasurementsStoredEvent => ({
  tenantId: 't1', patientId, gatewayId: `gw-${patientId}`,
  readings: Array.from({ length: readings }, (_, i) => ({
    id: `${patientId}-${i}`, type: 'pulse', value: 60 + (i % 40), unit: '/min', measuredAt: '2026-11-23T08:00:00+01:00', flags: [],
  })),
})
const parse = (messages: string[]) => messages.map((m) => JSON.parse(m) as MeasurementsStoredEvent[])
const ids = (messages: MeasurementsStoredEvent[][]) => messages.flat().flatMap((e) => e.readings.map((r) => r.id))

describe('measurementsStoredMessages: the readings of a flush on the internal bus', () => {
  const max = MEASUREMENTS_MESSAGE_MAX_READINGS
  it.each([
    { name: 'nothing stored: no message', events: [], sizes: [] },
    { name: 'one patient, one reading', events: [event('a', 1)], sizes: [[1]] },
    { name: 'a flush of many patients: one message', events: [event('a', 1), event('b', 2), event('c', 3)], sizes: [[1, 2, 3]] },
    { name: 'exactly full', events: [event('a', max - 1), event('b', 1)], sizes: [[max - 1, 1]] },
    { name: 'one over: the next patient starts the next message', events: [event('a', max), event('b', 1)], sizes: [[max], [1]] },
    { name: 'a patient split over messages', events: [event('a', 10), event('b', 2 * max)], sizes: [[10, max - 10], [max], [10]] },
    { name: 'events without readings are left out', events: [event('a', 0), event('b', 1)], sizes: [[1]] },
  ])('$name', ({ events, sizes }) => {
    const messages = parse(measurementsStoredMessages(events))
    expect(messages.map((m) => m.map((e) => e.readings.length))).toEqual(sizes)
    // every reading once, in order, under its own patient
    expect(ids(messages)).toEqual(events.flatMap((e) => e.readings.map((r) => r.id)))
    for (const e of messages.flat()) expect(e.readings.every((r) => r.id.startsWith(`${e.patientId}-`))).toBe(true)
  })
})
