import type { LocalizedText } from './rules/localized-text.js'
import type { VitalType } from './vital-types.js'

/**
 * The symptom questionnaires a patient answers on /min-side (issue 25, ADR
 * 0042): each yields one score, stored as a reading of its own type and so
 * judged, trended and shared like a vital.
 *
 * - `cat`: the COPD Assessment Test (Jones et al., Eur Respir J 2009): 8
 *   items, each 0–5 between two anchor statements, total 0–40; higher is
 *   worse. The wording below is a plain-language rendering for this platform;
 *   a municipality using CAT clinically should put the licensed Norwegian
 *   translation (GSK / mapi) in its place (ADR 0042).
 * - `daily`: "Hvordan har du det i dag?", one answer 1–5; **5 is good**
 *   (svært bra), 1 is bad (svært dårlig), as Norwegian school grades and
 *   most rating scales a patient knows run. At most one a day (Europe/Oslo).
 */
export const INSTRUMENT_NAMES = ['cat', 'daily'] as const
export type Instrument = (typeof INSTRUMENT_NAMES)[number]

export interface CatItem {
  /** Stable key, also the FHIR component's code. */
  key: string
  /** The statement at 0 (best) and at 5 (worst). */
  low: LocalizedText
  high: LocalizedText
}

export const CAT_ITEMS: readonly CatItem[] = [
  { key: 'cough', low: { nb: 'Jeg hoster aldri', en: 'I never cough' }, high: { nb: 'Jeg hoster hele tiden', en: 'I cough all the time' } },
  {
    key: 'phlegm',
    low: { nb: 'Jeg har ikke slim i brystet', en: 'I have no phlegm (mucus) in my chest at all' },
    high: { nb: 'Brystet er helt fullt av slim', en: 'My chest is completely full of phlegm (mucus)' },
  },
  {
    key: 'chest-tightness',
    low: { nb: 'Jeg kjenner ingen tetthet i brystet', en: 'My chest does not feel tight at all' },
    high: { nb: 'Brystet kjennes veldig tett', en: 'My chest feels very tight' },
  },
  {
    key: 'breathlessness',
    low: { nb: 'Jeg blir ikke andpusten i en bakke eller én etasje trapp', en: 'I am not breathless walking up a hill or one flight of stairs' },
    high: { nb: 'Jeg blir svært andpusten i en bakke eller én etasje trapp', en: 'I am very breathless walking up a hill or one flight of stairs' },
  },
  {
    key: 'activities',
    low: { nb: 'Jeg er ikke begrenset i noe av det jeg gjør hjemme', en: 'I am not limited in any activities at home' },
    high: { nb: 'Jeg er svært begrenset i det jeg gjør hjemme', en: 'I am very limited in activities at home' },
  },
  {
    key: 'confidence',
    low: { nb: 'Jeg er trygg på å gå ut til tross for lungesykdommen', en: 'I am confident leaving my home despite my lung condition' },
    high: { nb: 'Jeg er ikke trygg på å gå ut på grunn av lungesykdommen', en: 'I am not at all confident leaving my home because of my lung condition' },
  },
  {
    key: 'sleep',
    low: { nb: 'Jeg sover godt', en: 'I sleep soundly' },
    high: { nb: 'Jeg sover dårlig på grunn av lungesykdommen', en: 'I do not sleep soundly because of my lung condition' },
  },
  { key: 'energy', low: { nb: 'Jeg har mye energi', en: 'I have lots of energy' }, high: { nb: 'Jeg har ingen energi', en: 'I have no energy at all' } },
]

/** What each answer of the daily question says, 1 (bad) to 5 (good). */
export const DAILY_ANSWERS: readonly { value: number; label: LocalizedText }[] = [
  { value: 1, label: { nb: 'Svært dårlig', en: 'Very bad' } },
  { value: 2, label: { nb: 'Dårlig', en: 'Bad' } },
  { value: 3, label: { nb: 'Middels', en: 'So-so' } },
  { value: 4, label: { nb: 'Bra', en: 'Good' } },
  { value: 5, label: { nb: 'Svært bra', en: 'Very good' } },
]

/**
 * The gateway id a patient's answers are stored under (measurements and
 * measurement_keys want one; migration 0041): no gateway has it, and FHIR
 * names the patient as the performer instead of a device.
 */
export const PATIENT_REPORTED_GATEWAY = 'patient-reported'

/** The reading type each instrument's score is stored as. */
export const INSTRUMENT_TYPE: Readonly<Record<Instrument, VitalType>> = { cat: 'cat-score', daily: 'wellbeing' }

export type AnswerError = { code: 'invalid-questionnaire'; detail: string }

/**
 * The score of one set of answers, or why they are refused: CAT needs all 8
 * items, each a whole number 0–5; the daily question one whole number 1–5.
 * Nothing is stored from a refused set (no half questionnaire).
 */
export function scoreAnswers(instrument: Instrument, answers: readonly unknown[]): { score: number } | AnswerError {
  const whole = (x: unknown, min: number, max: number): x is number => typeof x === 'number' && Number.isInteger(x) && x >= min && x <= max
  if (instrument === 'cat') {
    if (answers.length !== CAT_ITEMS.length) {
      return { code: 'invalid-questionnaire', detail: `CAT needs all ${CAT_ITEMS.length} items answered, got ${answers.length}` }
    }
    const bad = answers.findIndex((x) => !whole(x, 0, 5))
    if (bad >= 0) return { code: 'invalid-questionnaire', detail: `CAT item ${bad + 1} (${CAT_ITEMS[bad]!.key}) must be a whole number 0–5` }
    return { score: (answers as number[]).reduce((a, b) => a + b, 0) }
  }
  if (answers.length !== 1 || !whole(answers[0], 1, 5)) {
    return { code: 'invalid-questionnaire', detail: 'the daily question needs one answer, a whole number 1–5' }
  }
  return { score: answers[0] as number }
}

/** The CAT user guide's impact band of a total, for the patient's own reading of it. */
export function catImpact(total: number): 'low' | 'medium' | 'high' | 'very-high' {
  if (total > 30) return 'very-high'
  if (total >= 21) return 'high'
  if (total >= 10) return 'medium'
  return 'low'
}
