import {
  LIST_READING_FILTERS,
  LIST_SORTS,
  PATIENT_CONDITIONS,
  SERVICE_STATES,
  type Condition,
  type ListViewState,
  type Patient,
  type ServiceState,
} from '@varde/api-contract'
import { sortByUrgency, urgencyOf } from '../components/urgency'

/**
 * The patient list's view (issue 20, "the list at 80–500 patients"): a filter and a sort for each
 * column of the dense row, and the search. It lives in the URL query, so a view can be bookmarked
 * and the back button works; a saved view (per user, on the server) is this same query.
 */
export const SORTS = LIST_SORTS
export type Sort = (typeof SORTS)[number]

/** Latest values: any out of the patient's range (yellow or red), or a red one. */
export const READING_FILTERS = LIST_READING_FILTERS
export type ReadingFilter = (typeof READING_FILTERS)[number]

/** Below this share of the planned measurements, last 7 days, adherence is low (the filter). */
export const LOW_ADHERENCE = 0.8
/** No one has acted on the patient's alerts for this many days (the filter "no contact"). */
export const NO_CONTACT_DAYS = 7

/** What a saved view keeps (@varde/api-contract), and the search. */
export interface ListView extends ListViewState {
  condition: Condition | null
  state: ServiceState | null
  q: string
}

/** The view as it is saved: everything but the search (a saved view is a kind of patient, not a patient). */
export function stateOf({ q: _q, ...state }: ListView): ListViewState {
  return state
}

export const DEFAULT_VIEW: ListView = {
  condition: null,
  attention: false,
  q: '',
  sort: 'urgency',
  state: null,
  reading: null,
  lowAdherence: false,
  noContact: false,
}

const oneOf = <T extends string>(list: readonly T[], value: string | null): T | null =>
  (list as readonly string[]).includes(value ?? '') ? (value as T) : null

export function viewFromParams(params: URLSearchParams): ListView {
  const condition = params.get('condition')
  const sort = params.get('sort')
  return {
    condition: oneOf(PATIENT_CONDITIONS, condition),
    attention: params.get('attention') === '1',
    q: params.get('q') ?? '',
    sort: oneOf(SORTS, sort) ?? 'urgency',
    state: oneOf(SERVICE_STATES, params.get('state')),
    reading: oneOf(READING_FILTERS, params.get('reading')),
    lowAdherence: params.get('adherence') === 'low',
    noContact: params.get('contact') === 'none',
  }
}

/** Only what differs from the default goes into the URL, so the plain list stays at /. */
export function paramsFromView(view: ListView): URLSearchParams {
  const p = new URLSearchParams()
  if (view.condition) p.set('condition', view.condition)
  if (view.attention) p.set('attention', '1')
  if (view.q) p.set('q', view.q)
  if (view.sort !== 'urgency') p.set('sort', view.sort)
  if (view.state) p.set('state', view.state)
  if (view.reading) p.set('reading', view.reading)
  if (view.lowAdherence) p.set('adherence', 'low')
  if (view.noContact) p.set('contact', 'none')
  return p
}

/** How many filters narrow the view (the search not counted): for "clear filters" and the saved view's label. */
export function isDefaultView(view: ListView): boolean {
  return paramsFromView(view).toString() === ''
}

/**
 * Needs attention: a red or yellow alert no one has acknowledged yet. An acknowledged one keeps its
 * traffic light (it is still unresolved) but someone has it in hand. A server that does not send the
 * unacknowledged count falls back to the traffic light.
 */
export function needsAttention(p: Pick<Patient, 'openAlerts'>): boolean {
  const { unacknowledged } = p.openAlerts
  return unacknowledged === undefined ? urgencyOf(p.openAlerts) !== 'green' : unacknowledged > 0
}

/** Birth dates come as ISO (yyyy-mm-dd); nurses type them as dd.mm.åååå or a part of it. */
export function birthDateText(iso: string | null | undefined): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(iso ?? '')
  return m ? `${m[3]}.${m[2]}.${m[1]}` : ''
}

export function ageOf(iso: string | null | undefined, now: Date): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(iso ?? '')
  if (!m) return null
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])]
  const hadBirthday = now.getMonth() + 1 > mo || (now.getMonth() + 1 === mo && now.getDate() >= d)
  return now.getFullYear() - y - (hadBirthday ? 0 : 1)
}

/** The share of the planned measurements done, last 7 days; null when nothing was planned. */
export function adherenceShare(p: Pick<Patient, 'adherence'>): number | null {
  const week = p.adherence?.days7
  return week && week.planned > 0 ? week.done / week.planned : null
}

const SEVERITY_RANK = { red: 2, yellow: 1 } as const

/** The worst colour among the latest values (0 none, 1 yellow, 2 red). */
export function worstReading(p: Pick<Patient, 'latest'>): number {
  let worst = 0
  for (const v of Object.values(p.latest))
    worst = Math.max(worst, v.severity ? SEVERITY_RANK[v.severity] : 0)
  return worst
}

function matchesFilters(p: Patient, view: ListView, now: Date): boolean {
  if (view.condition && !p.conditions.includes(view.condition)) return false
  if (view.attention && !needsAttention(p)) return false
  if (view.state && p.serviceState !== view.state) return false
  if (view.reading && worstReading(p) < (view.reading === 'red' ? 2 : 1)) return false
  if (view.lowAdherence) {
    const share = adherenceShare(p)
    if (share === null || share >= LOW_ADHERENCE) return false
  }
  if (
    view.noContact &&
    p.lastContactAt &&
    now.getTime() - Date.parse(p.lastContactAt) < NO_CONTACT_DAYS * 86_400_000
  )
    return false
  return true
}

function matchesSearch(p: Patient, q: string, locale: string): boolean {
  const needle = q.trim().toLocaleLowerCase(locale)
  if (!needle) return true
  if (p.displayName.toLocaleLowerCase(locale).includes(needle)) return true
  // digits and dots only: a birth date or a part of one ("12.03", "1948")
  return /^[\d.]+$/.test(needle) && birthDateText(p.birthDate).includes(needle)
}

export function applyView(
  patients: readonly Patient[],
  view: ListView,
  locale: string,
  now: Date,
): Patient[] {
  const kept = patients.filter(
    (p) => matchesFilters(p, view, now) && matchesSearch(p, view.q, locale),
  )
  // urgency first as the tie-break of every sort, so equal rows stay in a stable, useful order
  const base = sortByUrgency(kept, locale)
  if (view.sort === 'urgency') return base
  const collator = new Intl.Collator(locale, { sensitivity: 'base' })
  const key: Record<Exclude<Sort, 'urgency'>, (a: Patient, b: Patient) => number> = {
    name: (a, b) => collator.compare(a.displayName, b.displayName),
    // oldest first; unknown age last
    age: (a, b) => (ageOf(b.birthDate, now) ?? -1) - (ageOf(a.birthDate, now) ?? -1),
    // by the first condition's name; none last
    condition: (a, b) => collator.compare(conditionKey(a), conditionKey(b)),
    // the worst open episode: red before yellow before none, then the longest-standing first
    episode: (a, b) =>
      episodeRank(b) - episodeRank(a) ||
      time(a.worstOpen?.since ?? null) - time(b.worstOpen?.since ?? null),
    // the longest silence first: a patient who has not measured is the one to call; never measured first of all
    last: (a, b) => time(a.lastMeasurementAt) - time(b.lastMeasurementAt),
    // the lowest share first; nothing planned last
    adherence: (a, b) => (adherenceShare(a) ?? Infinity) - (adherenceShare(b) ?? Infinity),
    // the longest since anyone acted first; never first of all
    contact: (a, b) => time(a.lastContactAt ?? null) - time(b.lastContactAt ?? null),
  }
  return [...base].sort(key[view.sort])
}

function episodeRank(p: Patient): number {
  return p.worstOpen ? SEVERITY_RANK[p.worstOpen.severity] : 0
}

function conditionKey(p: Patient): string {
  // a patient with no condition sorts after every named one
  return [...p.conditions].sort()[0] ?? '\uffff'
}

function time(iso: string | null): number {
  return iso ? Date.parse(iso) : -Infinity
}
