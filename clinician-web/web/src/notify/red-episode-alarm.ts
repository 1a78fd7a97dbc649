import type { Episode } from '@varde/api-contract'

/**
 * When the portal calls for the nurse's attention from the background (issue
 * 20): a red episode that arrived while the tab was hidden shows a browser
 * notification, and plays a sound if the nurse turned sound on; a yellow one
 * is quiet (it waits in the inbox). "Arrived" is what the server's re-raise
 * says (ADR 0027): an episode not seen before, or one that turned red; a red
 * episode that merely got another red reading is not a new alarm.
 * Pure: the page gives the two lists and the browser's state.
 */

export type AlarmPermission = 'granted' | 'denied' | 'default' | 'unsupported'

export interface AlarmState {
  /** document.visibilityState === 'hidden' */
  isHidden: boolean
  permission: AlarmPermission
  isSoundOn: boolean
}

export interface Alarm {
  /** The red episodes that arrived; empty: nothing to say. */
  arrived: Episode[]
  notify: boolean
  sound: boolean
}

/**
 * The red episodes in `after` that were not red in `before`. An episode is
 * known again by any alert it shares with one before (its id is its earliest
 * alert's, which a resolve of that alert would change). No `before` (the
 * first load) is no arrival: what was there already is no news.
 */
export function redArrivals(before: readonly Episode[] | undefined, after: readonly Episode[]): Episode[] {
  if (!before) return []
  const severityByAlert = new Map<string, Episode['severity']>()
  for (const e of before) for (const a of e.alerts) severityByAlert.set(a.id, e.severity)
  return after.filter((e) => {
    if (e.severity !== 'red' || e.status !== 'open') return false
    const prior = e.alerts.map((a) => severityByAlert.get(a.id)).find((s) => s !== undefined)
    return prior !== 'red'
  })
}

/**
 * `seenRed`: the alert ids of every episode already seen red in this
 * session (the caller keeps it); an episode that left the list and came back
 * (a snooze, a page that showed another list) is no new alarm: one per
 * episode.
 */
export function decideAlarm(
  before: readonly Episode[] | undefined,
  after: readonly Episode[],
  state: AlarmState,
  seenRed: ReadonlySet<string> = new Set(),
): Alarm {
  const arrived = state.isHidden
    ? redArrivals(before, after).filter((e) => !e.alerts.some((a) => seenRed.has(a.id)))
    : []
  const isDue = arrived.length > 0
  return { arrived, notify: isDue && state.permission === 'granted', sound: isDue && state.isSoundOn }
}
