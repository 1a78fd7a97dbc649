/** Shapes of the portal's HTTP API (clinician-web/server), as the browser receives them. */

import type { Role } from '@varde/domain'
export type { Role }

export interface SessionInfo {
  user: { id: string; username: string; displayName: string; role: Role }
  tenant: { id: string; name: string }
}

export type Condition = 'copd' | 'heart-failure' | 'diabetes' | 'hypertension'
export type GatewayState = 'online' | 'offline' | 'unknown'
export type ServiceState = 'active' | 'paused' | 'ended'

export interface Gateway {
  id: string
  state: GatewayState
  /** Percent, 0–100. */
  battery: number | null
  lastSeenAt: string | null
}

export interface LatestValue {
  value: number
  unit: string
  measuredAt: string
}

export interface Patient {
  id: string
  displayName: string
  conditions: Condition[]
  /** Present on servers that know about paused and ended services. */
  serviceState?: ServiceState
  gateway: Gateway | null
  lastMeasurementAt: string | null
  /** Keyed by vital type; a server may send types this portal does not know yet. */
  latest: Record<string, LatestValue>
  openAlerts: { red: number; yellow: number }
}

/** Known flags (device-protocol.md "Time"); other strings may appear and are shown as they are. */
export type ReadingFlag = 'late' | 'clock-adjusted' | 'time-from-receipt' | 'time-from-gatt'

export interface Measurement {
  id: string
  type: string
  value: number
  unit: string
  measuredAt: string
  flags: string[]
}

export type Severity = 'red' | 'yellow'
export type AlertStatus = 'open' | 'acknowledged' | 'resolved'
export type ResolveOutcome =
  'contacted-patient' | 'adjusted-plan' | 'contacted-gp' | 'no-action-needed' | 'false-alarm'

export const RESOLVE_OUTCOMES: readonly ResolveOutcome[] = [
  'contacted-patient',
  'adjusted-plan',
  'contacted-gp',
  'no-action-needed',
  'false-alarm',
]

export interface AlertReading {
  type: string
  value: number
  unit: string
  measuredAt: string
}

export interface Alert {
  id: string
  patientId: string
  patientName: string
  severity: Severity
  status: AlertStatus
  /** The rule's id, e.g. `threshold:spo2`. */
  rule: string
  openedAt: string
  updatedAt: string
  /** In the language the browser asked for; `summaries` has both. */
  summary: string
  summaries?: { nb: string; en: string }
  /** How many times the rule fired while this alert was open. */
  count: number
  /** False once the condition is over; the alert stays until someone resolves it. */
  isConditionActive?: boolean
  /** The readings behind the latest finding. */
  readings: AlertReading[]
  /** The rule's parameters that applied; the shape depends on the rule. */
  thresholds: Record<string, unknown>
  /** Clinical source of the rule's defaults. */
  source?: string | null
  /** Display names. */
  acknowledgedBy: string | null
  acknowledgedAt: string | null
  assignedTo: string | null
  assignedToUserId?: string | null
  resolvedAt?: string | null
  resolvedBy?: string | null
  outcome?: ResolveOutcome | null
  resolutionNote?: string | null
  /** Set when a red alert went unacknowledged past the escalation time. */
  escalatedAt?: string | null
  /** Bumped by every change: of two versions of an alert, keep the higher. */
  revision: number
}

/** SSE `measurement`: readings stored for one patient. */
export interface MeasurementEvent {
  patientId: string
  readings: Measurement[]
}

/** SSE `alert`: an alert created or changed. */
export interface AlertEvent {
  alert: Alert
}
