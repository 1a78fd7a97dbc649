import { isMoreSevere, type Severity } from './severity.js'

/**
 * Whether a snoozed episode stays out of the inbox (issue 20, docs/decisions/0033).
 * A snooze hides an episode until its end time on the platform clock; it
 * comes back by itself when the time has come. A snooze never hides a rise in
 * colour: an episode snoozed yellow that turns red is shown (and notified) at
 * once, as the re-raise on worsening is (episodeNotices). Red snoozed red
 * stays snoozed: a value merely still out of range is no re-raise.
 */
export function isSnoozeInForce(episodeSeverity: Severity, snooze: { until: Date; severity: Severity }, now: Date): boolean {
  return snooze.until.getTime() > now.getTime() && !isMoreSevere(episodeSeverity, snooze.severity)
}
