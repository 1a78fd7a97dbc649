import type { Episode } from '@varde/api-contract'
import { describe, expect, test } from 'vitest'
import { alert } from '../testing/fixtures'
import { decideAlarm, redArrivals, type AlarmState } from './red-episode-alarm'

const episode = (id: string, severity: 'red' | 'yellow', alertIds: string[], status: Episode['status'] = 'open'): Episode => ({
  id, patientId: 'p1', patientName: 'Kari Nordmann', kind: 'clinical', topic: 'vital:spo2', vital: 'spo2', severity, status,
  isConditionActive: true, firstTriggeredAt: '2026-12-07T17:00:00Z', lastTriggeredAt: '2026-12-07T18:00:00Z',
  first: null, worst: null, latest: null, readingCount: alertIds.length,
  alerts: alertIds.map((a) => alert({ id: a, severity, openedAt: '2026-12-07T17:00:00Z' })), snooze: null,
})

const hidden: AlarmState = { isHidden: true, permission: 'granted', isSoundOn: true }

describe('redArrivals', () => {
  test.each([
    { title: 'the first load is no arrival', before: undefined, after: [episode('e1', 'red', ['a1'])], arrived: [] },
    { title: 'a new red episode arrives', before: [], after: [episode('e1', 'red', ['a1'])], arrived: ['e1'] },
    { title: 'a new yellow episode is quiet', before: [], after: [episode('e1', 'yellow', ['a1'])], arrived: [] },
    { title: 'yellow turned red: arrives (the re-raise)', before: [episode('e1', 'yellow', ['a1'])], after: [episode('e1', 'red', ['a1', 'a2'])], arrived: ['e1'] },
    { title: 'red and another red reading: no second alarm', before: [episode('e1', 'red', ['a1'])], after: [episode('e1', 'red', ['a1', 'a2'])], arrived: [] },
    { title: 'known by a shared alert though its id changed', before: [episode('e1', 'red', ['a1', 'a2'])], after: [episode('a2', 'red', ['a2'])], arrived: [] },
    { title: 'an acknowledged red episode is no alarm', before: [], after: [episode('e1', 'red', ['a1'], 'acknowledged')], arrived: [] },
  ])('$title', ({ before, after, arrived }) => {
    expect(redArrivals(before, after).map((e) => e.id)).toEqual(arrived)
  })
})

describe('decideAlarm', () => {
  const red = [episode('e1', 'red', ['a1'])]
  test.each([
    { title: 'hidden tab, granted, sound on: notification and sound', state: hidden, notify: true, sound: true },
    { title: 'visible tab: the inbox shows it, no alarm', state: { ...hidden, isHidden: false }, notify: false, sound: false },
    { title: 'permission not given: sound only', state: { ...hidden, permission: 'default' as const }, notify: false, sound: true },
    { title: 'permission denied, sound off: nothing', state: { isHidden: true, permission: 'denied' as const, isSoundOn: false }, notify: false, sound: false },
    { title: 'no Notification in this browser: sound only', state: { ...hidden, permission: 'unsupported' as const }, notify: false, sound: true },
  ])('$title', ({ state, notify, sound }) => {
    expect(decideAlarm([], red, state)).toMatchObject({ notify, sound })
  })

  test('a yellow episode in a hidden tab is quiet', () => {
    expect(decideAlarm([], [episode('e1', 'yellow', ['a1'])], hidden)).toEqual({ arrived: [], notify: false, sound: false })
  })

  test('an episode already seen red (it left the list and came back) is no second alarm', () => {
    const back = [episode('e1', 'red', ['a1', 'a2'])]
    expect(decideAlarm([], back, hidden, new Set(['a1']))).toEqual({ arrived: [], notify: false, sound: false })
    expect(decideAlarm([], back, hidden, new Set(['a9'])).arrived.map((e) => e.id)).toEqual(['e1'])
  })
})
