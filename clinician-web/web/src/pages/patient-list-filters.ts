import { PATIENT_CONDITIONS, type Condition, type Patient } from '@varde/api-contract'
import { sortByUrgency, urgencyOf } from '../components/urgency'

/**
 * The patient list's view (issue 20, "the list at 80–500 patients"): condition, needs attention,
 * search and sort. It lives in the URL query, so a view can be bookmarked and the back button works.
 */
export const SORTS = ['urgency', 'name', 'age', 'last'] as const
export type Sort = (typeof SORTS)[number]

export interface ListView {
  condition: Condition | null
  attention: boolean
  q: string
  sort: Sort
}

export function viewFromParams(params: URLSearchParams): ListView {
  const condition = params.get('condition')
  const sort = params.get('sort')
  return {
    condition: (PATIENT_CONDITIONS as readonly string[]).includes(condition ?? '')
      ? (condition as Condition)
      : null,
    attention: params.get('attention') === '1',
    q: params.get('q') ?? '',
    sort: (SORTS as readonly string[]).includes(sort ?? '') ? (sort as Sort) : 'urgency',
  }
}

/** Only what differs from the default goes into the URL, so the plain list stays at /. */
export function paramsFromView(view: ListView): URLSearchParams {
  const p = new URLSearchParams()
  if (view.condition) p.set('condition', view.condition)
  if (view.attention) p.set('attention', '1')
  if (view.q) p.set('q', view.q)
  if (view.sort !== 'urgency') p.set('sort', view.sort)
  return p
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
    (p) =>
      (!view.condition || p.conditions.includes(view.condition)) &&
      (!view.attention || needsAttention(p)) &&
      matchesSearch(p, view.q, locale),
  )
  // urgency first as the tie-break of every sort, so equal rows stay in a stable, useful order
  const base = sortByUrgency(kept, locale)
  if (view.sort === 'urgency') return base
  const collator = new Intl.Collator(locale, { sensitivity: 'base' })
  const key: Record<Exclude<Sort, 'urgency'>, (a: Patient, b: Patient) => number> = {
    name: (a, b) => collator.compare(a.displayName, b.displayName),
    // oldest first; unknown age last
    age: (a, b) => (ageOf(b.birthDate, now) ?? -1) - (ageOf(a.birthDate, now) ?? -1),
    // the longest silence first: a patient who has not measured is the one to call; never measured first of all
    last: (a, b) => time(a.lastMeasurementAt) - time(b.lastMeasurementAt),
  }
  return [...base].sort(key[view.sort])
}

function time(iso: string | null): number {
  return iso ? Date.parse(iso) : -Infinity
}
