import { expect, test } from 'vitest'
import { patient } from '../testing/fixtures'
import {
  ageOf,
  applyView,
  birthDateText,
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
  expect(
    paramsFromView({ condition: null, attention: false, q: '', sort: 'urgency' }).toString(),
  ).toBe('')
  expect(viewFromParams(new URLSearchParams('condition=flu&sort=shoe&attention=yes'))).toEqual({
    condition: null,
    attention: false,
    q: '',
    sort: 'urgency',
  })
  const view = { condition: 'diabetes', attention: true, q: '12.03', sort: 'last' } as const
  expect(viewFromParams(paramsFromView(view))).toEqual(view)
})

test('birth dates read as dd.mm.åååå; age turns on the birthday', () => {
  expect(birthDateText('1948-03-12')).toBe('12.03.1948')
  expect(birthDateText(null)).toBe('')
  expect(ageOf('1948-03-10', now)).toBe(78)
  expect(ageOf('1948-03-11', now)).toBe(77)
  expect(ageOf(undefined, now)).toBeNull()
})
