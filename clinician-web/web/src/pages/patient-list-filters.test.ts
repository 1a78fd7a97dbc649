import { expect, test } from 'vitest'
import { patient } from '../testing/fixtures'
import {
  ageOf,
  applyView,
  birthDateText,
  DEFAULT_VIEW,
  needsAttention,
  paramsFromView,
  viewFromParams,
} from './patient-list-filters'

const now = new Date('2026-03-10T12:00:00Z')

test('needs attention is an alert no one has acknowledged; an acknowledged one is in hand', () => {
  expect(
    needsAttention(
      patient({ id: 'a', displayName: 'A', openAlerts: { red: 1, yellow: 0, unacknowledged: 1 } }),
    ),
  ).toBe(true)
  expect(
    needsAttention(
      patient({ id: 'b', displayName: 'B', openAlerts: { red: 1, yellow: 0, unacknowledged: 0 } }),
    ),
  ).toBe(false)
  // an older server without the count: the traffic light decides
  expect(
    needsAttention(patient({ id: 'c', displayName: 'C', openAlerts: { red: 0, yellow: 1 } })),
  ).toBe(true)
  expect(needsAttention(patient({ id: 'd', displayName: 'D' }))).toBe(false)
})

test('COPD and needs attention together keep only the COPD patients no one has taken yet', () => {
  const list = [
    patient({
      id: '1',
      displayName: 'Anne',
      conditions: ['copd'],
      openAlerts: { red: 1, yellow: 0, unacknowledged: 1 },
    }),
    patient({
      id: '2',
      displayName: 'Bjørn',
      conditions: ['copd'],
      openAlerts: { red: 1, yellow: 0, unacknowledged: 0 },
    }),
    patient({
      id: '3',
      displayName: 'Cato',
      conditions: ['diabetes'],
      openAlerts: { red: 0, yellow: 1, unacknowledged: 1 },
    }),
    patient({
      id: '4',
      displayName: 'Dina',
      conditions: ['copd', 'diabetes'],
      openAlerts: { red: 0, yellow: 0, unacknowledged: 0 },
    }),
  ]
  const view = viewFromParams(new URLSearchParams('condition=copd&attention=1'))
  expect(applyView(list, view, 'nb-NO', now).map((p) => p.displayName)).toEqual(['Anne'])
})

test('the URL holds only what differs from the plain list; unknown values fall back to it', () => {
  expect(paramsFromView(DEFAULT_VIEW).toString()).toBe('')
  expect(
    viewFromParams(
      new URLSearchParams(
        'condition=flu&sort=shoe&attention=yes&state=gone&reading=blue&adherence=x',
      ),
    ),
  ).toEqual(DEFAULT_VIEW)
  const view = {
    ...DEFAULT_VIEW,
    condition: 'diabetes',
    attention: true,
    q: '12.03',
    sort: 'last',
    state: 'paused',
    reading: 'red',
    lowAdherence: true,
    noContact: true,
  } as const
  expect(viewFromParams(paramsFromView(view))).toEqual(view)
  expect(paramsFromView(view).toString()).toBe(
    'condition=diabetes&attention=1&q=12.03&sort=last&state=paused&reading=red&adherence=low&contact=none',
  )
})

test('birth dates read as dd.mm.åååå; age turns on the birthday', () => {
  expect(birthDateText('1948-03-12')).toBe('12.03.1948')
  expect(birthDateText(null)).toBe('')
  expect(ageOf('1948-03-10', now)).toBe(78)
  expect(ageOf('1948-03-11', now)).toBe(77)
  expect(ageOf(undefined, now)).toBeNull()
})

const week = (done: number, planned: number) => ({
  days7: { done, planned },
  days30: { done, planned },
})
const reading = (value: number, severity: 'red' | 'yellow' | null) => ({
  value,
  unit: '%',
  measuredAt: '2026-03-10T11:00:00Z',
  severity,
})
const dense = [
  patient({
    id: '1',
    displayName: 'Anne',
    adherence: week(7, 7),
    latest: { spo2: reading(95, null) },
    lastContactAt: '2026-03-09T12:00:00Z',
    worstOpen: null,
  }),
  patient({
    id: '2',
    displayName: 'Bjørn',
    adherence: week(3, 7),
    latest: { spo2: reading(89, 'yellow') },
    lastContactAt: '2026-02-01T12:00:00Z',
    serviceState: 'paused',
    worstOpen: {
      severity: 'yellow',
      status: 'open',
      rule: 'threshold:spo2',
      summaries: { nb: 'x', en: 'x' },
      since: '2026-03-10T08:00:00Z',
    },
  }),
  patient({
    id: '3',
    displayName: 'Cato',
    adherence: week(0, 0),
    latest: { spo2: reading(82, 'red'), pulse: reading(70, null) },
    lastContactAt: null,
    worstOpen: {
      severity: 'red',
      status: 'acknowledged',
      rule: 'threshold:spo2',
      summaries: { nb: 'x', en: 'x' },
      since: '2026-03-10T10:00:00Z',
    },
  }),
  patient({
    id: '4',
    displayName: 'Dina',
    adherence: week(5, 7),
    worstOpen: {
      severity: 'yellow',
      status: 'open',
      rule: 'missed:spo2',
      summaries: { nb: 'x', en: 'x' },
      since: '2026-03-09T08:00:00Z',
    },
  }),
]
const names = (search: string) =>
  applyView(dense, viewFromParams(new URLSearchParams(search)), 'nb-NO', now).map(
    (p) => p.displayName,
  )

test('filters by each column of the dense row: state, reading colour, adherence, contact', () => {
  expect(names('state=paused')).toEqual(['Bjørn'])
  expect(names('reading=out')).toEqual(['Bjørn', 'Cato'])
  expect(names('reading=red')).toEqual(['Cato'])
  // under 80 % of the planned, last 7 days; nothing planned is not low
  expect(names('adherence=low')).toEqual(['Bjørn', 'Dina'])
  // no one acted in 7 days, or ever (Dina's server did not say: not filtered out)
  expect(names('contact=none')).toEqual(['Bjørn', 'Cato', 'Dina'])
})

test('sorts by each column of the dense row', () => {
  // the worst open episode: red first, then the longest-standing yellow; none last
  expect(names('sort=episode')).toEqual(['Cato', 'Dina', 'Bjørn', 'Anne'])
  // the lowest share first; nothing planned last
  expect(names('sort=adherence')).toEqual(['Bjørn', 'Dina', 'Anne', 'Cato'])
  // never contacted first, then the longest ago
  expect(names('sort=contact').slice(0, 3)).toEqual(['Cato', 'Dina', 'Bjørn'])
})
