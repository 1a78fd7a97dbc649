import { expect, test } from 'vitest'
import { makeI18n } from '../i18n/i18n'
import { describeThresholds } from './threshold-list'

// The parameter shapes of @varde/domain's rule kinds (rule-set.ts), as an alert carries them.
const nb = makeI18n('nb', () => {})
const en = makeI18n('en', () => {})
const rows = (entries: { label: string; value: string }[]) =>
  entries.map((e) => `${e.label}: ${e.value}`)

test('threshold bands per vital, with limits as guidelines write them and without the hysteresis', () => {
  const bp = {
    vitals: [
      {
        vital: 'bp-systolic',
        red: { high: { value: 180, isInclusive: true } },
        yellow: { high: { value: 160, isInclusive: true } },
        hysteresis: 5,
      },
      {
        vital: 'pulse',
        red: { low: { value: 40, isInclusive: true }, high: { value: 131, isInclusive: true } },
        yellow: { high: { value: 110, isInclusive: false } },
        hysteresis: 3,
      },
    ],
  }
  expect(rows(describeThresholds(bp, nb, { type: 'bp-systolic', unit: 'mm[Hg]' }))).toEqual([
    'Systolisk blodtrykk – Rød grense: ≥\u00a0180\u00a0mmHg',
    'Systolisk blodtrykk – Gul grense: ≥\u00a0160\u00a0mmHg',
    'Puls – Rød grense: ≤\u00a040/min, ≥\u00a0131/min',
    'Puls – Gul grense: >\u00a0110/min',
  ])
})

test('weight gain in kilograms, limits before the window, whatever order the database keeps keys in', () => {
  // jsonb's own order: shorter keys first
  const params = { windowDays: 3, redGainKg: null, hysteresisKg: 0.5, yellowGainKg: 2 }
  expect(rows(describeThresholds(params, nb, { type: 'body-weight', unit: 'kg' }))).toEqual([
    'Gul grense, vektøkning: 2,0\u00a0kg',
    'Over antall dager: 3',
  ])
  expect(rows(describeThresholds({ ...params, redGainKg: 3 }, nb, null))).toEqual([
    'Rød grense, vektøkning: 3,0\u00a0kg',
    'Gul grense, vektøkning: 2,0\u00a0kg',
    'Over antall dager: 3',
  ])
})

test("a deviation from the patient's own baseline, in the unit of its vital", () => {
  const params = {
    vital: 'spo2',
    direction: 'below',
    yellowDelta: 4,
    redDelta: 6,
    windowDays: 14,
    minReadings: 5,
    hysteresis: 1,
  }
  expect(rows(describeThresholds(params, en, null))).toEqual([
    'Measurement: Oxygen saturation',
    'Direction: Below own baseline',
    'Red limit, deviation: 6%',
    'Yellow limit, deviation: 4%',
    'Over days: 14',
  ])
})

test('a schedule names its days and times; NEWS2 its scale and scores', () => {
  const missed = {
    vital: 'body-weight',
    windowStart: '06:00',
    deadline: '10:00',
    weekdays: [1, 3, 5],
    severity: 'yellow',
  }
  expect(rows(describeThresholds(missed, nb, null))).toEqual([
    'Måling: Vekt',
    'Måles fra kl.: 06:00',
    'Frist kl.: 10:00',
    'Ukedager: man., ons., fre.',
    'Alvorlighet: Gult varsel',
  ])
  const news2 = {
    spo2Scale: 2,
    isOnSupplementalOxygen: true,
    yellowScore: 5,
    redScore: 7,
    windowMinutes: 30,
    minParameters: 3,
    hysteresis: 1,
  }
  expect(rows(describeThresholds(news2, nb, null))).toEqual([
    'Rød grense, NEWS2-poeng: 7',
    'Gul grense, NEWS2-poeng: 5',
    'Målinger innen (minutter): 30',
    'NEWS2 SpO₂-skala: 2',
    'Får oksygenbehandling: Ja',
  ])
})
