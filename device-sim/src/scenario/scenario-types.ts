import type { ProtocolErrorCode, VitalType } from '@varde/domain'
import type { DeviceEncoding, DeviceKind } from '../devices/device-kinds.js'
import type { EpisodeKind } from '../patient/episodes.js'
import type { Baseline, Profile } from '../patient/profiles.js'
import type { Seed } from '../random/seeded-noise.js'
import type { TimeOffset } from '../time/time-offset.js'

/**
 * A scenario as read from its YAML file (scenarios/*.yaml) and validated.
 * Times are offsets from the run's start (`-3d+07:30`); see time-offset.ts.
 */
export interface Scenario {
  name: string
  description: string
  /** The file it came from, when it came from one. */
  source: string | null
  /** IANA zone of the home. Default Europe/Oslo. */
  timeZone: string
  /** What offsets are relative to: the moment the run starts, or a fixed instant. */
  start: 'now' | Date
  gateway: ScenarioGateway
  patient: ScenarioPatient
  devices: ScenarioDevice[]
  steps: ScenarioStep[]
  expect: Expectations | null
}

export interface ScenarioGateway {
  id: string
  /** Default `<id>-secret` (the demo convention). */
  secret: string
  firmware: string | null
  /** Gateway battery %; null when it reports none. */
  battery: number | null
  /** Gateway clock − real time, ms (a wrong clock). */
  clockOffsetMs: number
}

export interface ScenarioPatient {
  profiles: Profile[]
  seed: Seed
  /** Share of scheduled sessions done, 0–1. Default 1: none missed unless a step says so. */
  adherence: number
  episodes: ScenarioEpisode[]
  /** Resting values instead of the profiles' (e.g. blood pressure on target); the others come from the seed. */
  baseline: Partial<Baseline>
}

export interface ScenarioEpisode {
  kind: EpisodeKind
  start: TimeOffset
  rampMs: number | null
  durationMs: number | null
  severity: number
}

export interface ScenarioDevice {
  kind: DeviceKind
  /** BLE address or serial; default a fresh one per run, so each run's readings can be told apart. */
  id: string | null
  encoding: DeviceEncoding
  battery: number | null
}

interface StepBase {
  /** Names the step in expectations (`expect.receipts.steps.<name>`) and in the report. */
  name: string
}

/** Readings from the patient model on their schedule, between two times. */
export interface MeasureStep extends StepBase {
  kind: 'measure'
  from: TimeOffset
  to: TimeOffset
  /** Only these devices; default all of the home's. */
  devices: DeviceKind[] | null
  adherence: number | null
  /** Sessions left out on purpose: any that fall in one of these windows. */
  skip: { from: TimeOffset; to: TimeOffset }[]
  /** One batch per session (a gateway that sends right after measuring), per day, or one for all. */
  batching: 'session' | 'day' | 'all'
}

/** A batch of hand-written measurements, valid or deliberately not. */
export interface SendStep extends StepBase {
  kind: 'send'
  measurements: ExplicitMeasurement[]
  batchId: string | null
}

export type ExplicitMeasurement =
  /** Values through the device, sent the way the device's encoding says (decoded or GATT). */
  | { form: 'values'; id: string | null; device: DeviceKind; at: TimeOffset; values: Partial<Record<VitalType, number>>; encoding: DeviceEncoding | null }
  /** A decoded reading written out; type, value and unit are sent as given, right or wrong. */
  | { form: 'decoded'; id: string | null; device: DeviceKind; at: TimeOffset | null; type: string; value: unknown; unit: string }
  /** A raw characteristic value written out. */
  | { form: 'gatt'; id: string | null; device: DeviceKind; at: TimeOffset | null; gatt: { characteristic: string; data: string } }
  /** Any JSON, sent verbatim as one measurement; `at`, when given, is added as measuredAt. */
  | { form: 'raw'; raw: unknown; at: TimeOffset | null }

/** Bytes published as they are: not JSON, not a batch, too many measurements … */
export interface PayloadStep extends StepBase {
  kind: 'payload'
  payload: string
}

/** The gateway loses power or network: socket dropped, last will published, batches kept. */
export interface OfflineStep extends StepBase {
  kind: 'offline'
}

/** The gateway is back: reconnects and sends what it kept (store and forward). */
export interface OnlineStep extends StepBase {
  kind: 'online'
}

/** Sends the batches of an earlier step again with their batchIds, as after a lost receipt. */
export interface ResendStep extends StepBase {
  kind: 'resend'
  step: string
}

export interface BatteryStep extends StepBase {
  kind: 'battery'
  /** A device's battery, or all devices' when absent … */
  device: DeviceKind | null
  level: number | null
  /** … and/or the gateway's own. */
  gateway: number | null
}

export interface ClockStep extends StepBase {
  kind: 'clock'
  offsetMs: number
}

/** Waits for a command from the platform (e.g. sync-clock after a wrong clock). */
export interface WaitStep extends StepBase {
  kind: 'wait'
  command: string
  timeoutMs: number
}

/** Real time with a compressed schedule: every `everyMs`, the next session of the day plan, measured now. */
export interface LiveStep extends StepBase {
  kind: 'live'
  durationMs: number
  everyMs: number
  devices: DeviceKind[] | null
}

/**
 * Changes one of the patient's rules as a nurse would, through the platform's
 * API (`PUT /api/patients/:id/rules/:ruleId`): thresholds, or a schedule
 * compressed into the run so a missed measurement can be seen without
 * waiting for tomorrow.
 */
export interface RuleStep extends StepBase {
  kind: 'rule'
  /** The rule's id, e.g. `missed:blood-glucose` or `threshold:spo2`. */
  ruleId: string
  /** The rule kind, needed only for a rule the patient's profiles lack. */
  ruleKind: string | null
  /** What differs from the defaults, as JSON; top-level values may be `RuleClockTime`s, written `{ in: 10s }`. */
  params: Record<string, unknown> | null
  isEnabled: boolean | null
  reason: string | null
}

export type ScenarioStep =
  | MeasureStep
  | SendStep
  | PayloadStep
  | OfflineStep
  | OnlineStep
  | ResendStep
  | BatteryStep
  | ClockStep
  | WaitStep
  | LiveStep
  | RuleStep

export interface Range {
  min: number | null
  max: number | null
}

/** Counts of measurement ids in receipts; each field is checked only when given. */
export interface ReceiptCounts {
  batches: number | null
  /** `all`: every measurement sent. */
  accepted: number | 'all' | null
  duplicate: number | 'all' | null
  /** A total, or counts per error code (codes not listed must not occur). */
  rejected: number | Partial<Record<ProtocolErrorCode, number>> | null
  /** Number of malformed-batch receipts (`{"batchId":null,"error":…}`). */
  malformed: number | null
  /** The malformed-batch error code every payload of the step must get. */
  error: ProtocolErrorCode | null
}

export interface ObservationExpectation {
  type: VitalType
  from: TimeOffset | null
  to: TimeOffset | null
  /** Exact count or a range. */
  count: number | Range | null
  /** Every value in range. */
  values: Range | null
  /** The latest value in range. */
  latest: Range | null
  /** Latest minus earliest value in the window in range, e.g. weight up by ≥ 2 kg in 3 days. */
  rise: Range | null
}

/** Matches an open alert of the scenario's patient; every field given must match. */
export interface AlertExpectation {
  rule: string | null
  severity: 'red' | 'yellow' | null
  /** Substring of the alert's summary, case-insensitive. */
  summary: string | null
}

export interface Expectations {
  receipts: { total: ReceiptCounts | null; steps: Record<string, ReceiptCounts> } | null
  observations: ObservationExpectation[] | null
  /**
   * Open alerts of the patient. Each listed alert must be open; an open alert
   * that is not listed and was opened during the run is a difference too. `[]`: the run must open none.
   */
  alerts: AlertExpectation[] | null
  /** Commands the gateway must have received, e.g. `sync-clock`. */
  commands: string[] | null
  /** How long to wait for alerts and commands to appear. Default 15 s. */
  settleMs: number
}
