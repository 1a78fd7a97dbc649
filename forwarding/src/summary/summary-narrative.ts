import type { WeeklySummaryData, WeeklyVital } from '@varde/db'
import { isVitalType, VITAL_TYPES } from '@varde/domain'

/**
 * The weekly summary's words (bokmål: a Norwegian GP files it), one source
 * for the DiagnosticReport's narrative and its PDF: per vital the range, the
 * mean and the trend (the second half-week's mean against the first's), the
 * alerts and how each ended, and on how many days the patient measured.
 */
export interface SummaryText {
  title: string
  period: string
  patientLine: string
  senderLine: string
  vitals: string[]
  alerts: string[]
  adherence: string
  /** One paragraph: the conclusion of the report. */
  conclusion: string
}

const OUTCOME_NB: Record<string, string> = {
  'contacted-patient': 'kontaktet pasienten', 'adjusted-plan': 'justerte planen', 'contacted-gp': 'kontaktet fastlege',
  'no-action-needed': 'ingen tiltak nødvendig', 'false-alarm': 'falsk alarm',
}
/** A change under this share of the mean is "stable" (2 %: e.g. 1.6 kg of 80, 2 %-points of SpO2 96). */
const STABLE_SHARE = 0.02

const date = new Intl.DateTimeFormat('nb-NO', { timeZone: 'Europe/Oslo', day: '2-digit', month: '2-digit', year: 'numeric' })
const dateTime = new Intl.DateTimeFormat('nb-NO', { timeZone: 'Europe/Oslo', day: '2-digit', month: '2-digit', hour: '2-digit', minute: '2-digit' })
const number = (v: number) => new Intl.NumberFormat('nb-NO', { maximumFractionDigits: 1 }).format(v)

export type Trend = 'stigende' | 'synkende' | 'stabil' | 'for få målinger'

export function trendOf(v: WeeklyVital): Trend {
  if (v.firstHalfMean === null || v.secondHalfMean === null) return 'for få målinger'
  const change = v.secondHalfMean - v.firstHalfMean
  if (Math.abs(change) < Math.abs(v.mean) * STABLE_SHARE) return 'stabil'
  return change > 0 ? 'stigende' : 'synkende'
}

export function summaryText(s: WeeklySummaryData): SummaryText {
  const lastDay = new Date(s.window.end.getTime() - 1)
  const vitals = s.vitals.map((v) => {
    const info = isVitalType(v.type) ? VITAL_TYPES[v.type] : undefined
    const unit = info?.displayUnit ?? v.unit
    const trend = trendOf(v)
    const halves = v.firstHalfMean !== null && v.secondHalfMean !== null ? ` (${number(v.firstHalfMean)} → ${number(v.secondHalfMean)})` : ''
    return `${info?.label.nb ?? v.type}: ${v.count} målinger på ${v.daysMeasured} av ${s.days} dager, ${number(v.min)}–${number(v.max)} ${unit}, snitt ${number(v.mean)} ${unit}. Trend: ${trend}${halves}.`
  })
  const red = s.alerts.filter((a) => a.severity === 'red').length
  const alerts = s.alerts.map((a) => {
    const ended = a.status === 'resolved' ? `lukket: ${OUTCOME_NB[a.outcome ?? ''] ?? a.outcome ?? 'uten utfall'}` : a.status === 'acknowledged' ? 'kvittert, ikke lukket' : 'åpent'
    return `${dateTime.format(a.openedAt)} ${a.severity === 'red' ? 'rødt' : 'gult'} varsel: ${a.summaryNb} (${ended}).`
  })
  const share = s.days ? Math.round((100 * s.daysWithReadings) / s.days) : 0
  const adherence = `Målt på ${s.daysWithReadings} av ${s.days} dager (${share} %).`
  const alertWords = s.alerts.length === 0 ? 'ingen varsler' : `${s.alerts.length} varsler, ${red} røde`
  const moving = s.vitals.filter((v) => trendOf(v) === 'stigende' || trendOf(v) === 'synkende')
    .map((v) => `${isVitalType(v.type) ? VITAL_TYPES[v.type].label.nb.toLowerCase() : v.type} ${trendOf(v)}`)
  return {
    title: 'Ukesoppsummering, digital hjemmeoppfølging',
    period: `${date.format(s.window.start)}–${date.format(lastDay)}`,
    patientLine: `${s.patient.displayName}${s.patient.nationalId ? ` (${s.patient.nationalId})` : ''}`,
    senderLine: s.sender.name,
    vitals: vitals.length ? vitals : ['Ingen målinger denne uken.'],
    alerts: alerts.length ? alerts : ['Ingen varsler denne uken.'],
    adherence,
    conclusion: `Uke ${date.format(s.window.start)}–${date.format(lastDay)}: ${alertWords}; ${moving.length ? moving.join(', ') : 'ingen tydelige endringer'}. ${adherence}`,
  }
}
