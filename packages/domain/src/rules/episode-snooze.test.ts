import { describe, expect, it } from 'vitest'
import { isSnoozeInForce } from './episode-snooze.js'

const now = new Date('2026-03-02T20:00Z')
const later = new Date('2026-03-02T22:00Z')

describe('isSnoozeInForce', () => {
  it.each([
    { title: 'yellow snoozed yellow, before its end: hidden', episode: 'yellow', snoozed: 'yellow', until: later, hidden: true },
    { title: 'red snoozed red, before its end: hidden (still out of range is no re-raise)', episode: 'red', snoozed: 'red', until: later, hidden: true },
    { title: 'snoozed yellow, now red: shown at once', episode: 'red', snoozed: 'yellow', until: later, hidden: false },
    { title: 'at its end time: back', episode: 'yellow', snoozed: 'yellow', until: now, hidden: false },
    { title: 'after its end time: back', episode: 'yellow', snoozed: 'yellow', until: new Date(now.getTime() - 1), hidden: false },
  ] as const)('$title', ({ episode, snoozed, until, hidden }) => {
    expect(isSnoozeInForce(episode, { until, severity: snoozed }, now)).toBe(hidden)
  })
})
