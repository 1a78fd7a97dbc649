export type { LocalizedText } from './localized-text.js'
export * from './severity.js'
export * from './band.js'
export * from './band-counts.js'
export * from './zoned-time.js'
export * from './rule-set.js'
export * from './rule-error.js'
export * from './rule-override.js'
export * from './profiles.js'
export * from './resolve-patient-rules.js'
export * from './alert.js'
export { groupByMeasurement, toReadingRef, type MeasurementGroup } from './measurement-group.js'
export { classifyReading } from './threshold.js'
export * from './news2.js'
export { historyNeeds } from './history-needs.js'
export { evaluateReadings, isHistoryOnly, type EvaluateReadingsInput } from './evaluate-readings.js'
export * from './missed-measurement.js'
export * from './device-health.js'
export { isPossiblyRed } from './urgency.js'
export { replayAlerts, type ReplayedAlert, type ReplayInput } from './replay.js'
export {
  EPISODE_WINDOW_HOURS,
  episodeKind,
  episodeNotices,
  episodeValueOf,
  groupEpisodes,
  isWorseValue,
  severityByThresholds,
  type FindingLike,
  type Episode,
  type EpisodeAlertInput,
  type EpisodeKind,
  type EpisodeNotice,
  type EpisodeValue,
} from './episodes.js'
export { isSnoozeInForce } from './episode-snooze.js'
export { summarizeReplay, type ReplaySummary } from './what-if.js'
export { proposeThresholds, MIN_PROPOSAL_READINGS, type ThresholdProposal } from './threshold-proposal.js'
export { notePausedService, PAUSED_NOTE } from './paused-note.js'
export { adherence, planOccurrences, type AdherenceInput, type PlanOccurrence } from './adherence.js'
export { todaysPlan, type PlannedMeasurement } from './todays-plan.js'
export { ReadingTimeline } from './reading-timeline.js'
export { ReadingBands, compareReadingBands, READING_CHANGES_LIMIT, type BandedReading, type ReadingChange, type ReadingChangeList, type ReadingChanges } from './reading-bands.js'
