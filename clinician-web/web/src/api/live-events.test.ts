import { expect, test, vi } from 'vitest'
import { FakeEventSource } from '../testing/fake-api'
import { LiveEvents, parseMeasurementEvent } from './live-events'

function start() {
  FakeEventSource.instances = []
  const live = new LiveEvents('/api/events', (url) => new FakeEventSource(url))
  const handlers = { onMeasurement: vi.fn(), onAlert: vi.fn(), onResync: vi.fn() }
  live.subscribe(handlers)
  live.start()
  return { live, handlers }
}

test('delivers measurement and alert events, and ignores malformed ones', () => {
  const { handlers } = start()
  const source = FakeEventSource.latest()
  source.open()
  source.emit('measurement', {
    patientId: 'p1',
    readings: [
      {
        id: 'm1',
        type: 'spo2',
        value: 95,
        unit: '%',
        measuredAt: '2026-03-10T12:00:00Z',
        flags: [],
      },
    ],
  })
  source.emit('measurement', { readings: 'nonsense' })
  source.emit('alert', { alert: { id: 'a1', patientId: 'p1', status: 'open', severity: 'red' } })
  expect(handlers.onMeasurement).toHaveBeenCalledTimes(1)
  expect(handlers.onAlert).toHaveBeenCalledTimes(1)
  expect(handlers.onResync).not.toHaveBeenCalled()
})

test('a reconnect by the browser asks pages to refetch', () => {
  const { live, handlers } = start()
  const source = FakeEventSource.latest()
  source.open()
  source.fail()
  expect(live.status).toBe('reconnecting')
  source.open()
  expect(live.status).toBe('open')
  expect(handlers.onResync).toHaveBeenCalledTimes(1)
})

test('when the browser gives up, a new connection is opened with back-off', () => {
  vi.useFakeTimers()
  try {
    const { live, handlers } = start()
    FakeEventSource.latest().open()
    FakeEventSource.latest().fail(true)
    expect(FakeEventSource.instances).toHaveLength(1)
    vi.advanceTimersByTime(2_000)
    expect(FakeEventSource.instances).toHaveLength(2)
    FakeEventSource.latest().open()
    expect(handlers.onResync).toHaveBeenCalledTimes(1)
    live.stop()
    expect(FakeEventSource.latest().readyState).toBe(FakeEventSource.CLOSED)
  } finally {
    vi.useRealTimers()
  }
})

test('readings without a usable time are dropped, flags default to none', () => {
  expect(
    parseMeasurementEvent(
      JSON.stringify({
        patientId: 'p1',
        readings: [
          { id: 'a', type: 'pulse', value: 70, unit: '/min', measuredAt: 'yesterday-ish' },
          { id: 'b', type: 'pulse', value: 71, unit: '/min', measuredAt: '2026-03-10T12:00:00Z' },
        ],
      }),
    ),
  ).toEqual({
    patientId: 'p1',
    readings: [
      {
        id: 'b',
        type: 'pulse',
        value: 71,
        unit: '/min',
        measuredAt: '2026-03-10T12:00:00Z',
        flags: [],
      },
    ],
  })
  expect(parseMeasurementEvent('not json')).toBeNull()
})
