import type { Alert, Episode, Measurement, Patient, SessionInfo } from '@varde/api-contract'

export const NOW = Date.parse('2026-03-10T12:00:00Z')
export const minutesAgo = (n: number) => new Date(NOW - n * 60_000).toISOString()
export const daysAgo = (n: number) => new Date(NOW - n * 24 * 60 * 60_000).toISOString()

export const session: SessionInfo = {
  user: { id: 'u1', username: 'sykepleier', displayName: 'Sara Sykepleier', role: 'nurse' },
  tenant: { id: 'demo', name: 'Demo kommune' },
}

export function patient(
  overrides: Partial<Patient> & Pick<Patient, 'id' | 'displayName'>,
): Patient {
  return {
    conditions: [],
    serviceState: 'active',
    gateway: { id: `gw-${overrides.id}`, state: 'online', battery: 80, lastSeenAt: minutesAgo(1) },
    lastMeasurementAt: null,
    latest: {},
    openAlerts: { red: 0, yellow: 0 },
    ...overrides,
  }
}

export const kari = patient({
  id: 'p-kari',
  displayName: 'Kari Nordmann',
  conditions: ['copd'],
  lastMeasurementAt: minutesAgo(5),
  latest: {
    spo2: { value: 94, unit: '%', measuredAt: minutesAgo(5) },
    pulse: { value: 78, unit: '/min', measuredAt: minutesAgo(5) },
    'bp-systolic': { value: 142, unit: 'mm[Hg]', measuredAt: minutesAgo(60) },
    'bp-diastolic': { value: 88, unit: 'mm[Hg]', measuredAt: minutesAgo(60) },
  },
  openAlerts: { red: 0, yellow: 1 },
})

export function measurement(
  id: string,
  type: string,
  value: number,
  unit: string,
  measuredAt: string,
  flags: string[] = [],
): Measurement {
  return { id, type, value, unit, measuredAt, flags }
}

export const kariMeasurements: Measurement[] = [
  measurement('m1', 'spo2', 96, '%', daysAgo(3)),
  measurement('m2', 'spo2', 92, '%', daysAgo(2), ['late']),
  measurement('m3', 'pulse', 80, '/min', daysAgo(2)),
  measurement('m4', 'bp-systolic', 142, 'mm[Hg]', minutesAgo(60)),
  measurement('m4', 'bp-diastolic', 88, 'mm[Hg]', minutesAgo(60)),
  measurement('m5', 'spo2', 94, '%', minutesAgo(5)),
  measurement('m6', 'pulse', 78, '/min', minutesAgo(5)),
]

export function alert(
  overrides: Partial<Alert> & Pick<Alert, 'id' | 'severity' | 'openedAt'>,
): Alert {
  const summary = overrides.summary ?? 'Oksygenmetning under terskel'
  return {
    patientId: 'p-kari',
    patientName: 'Kari Nordmann',
    status: 'open',
    rule: 'spo2-low',
    ruleKind: 'threshold',
    ruleVersion: 'default:2026.1',
    updatedAt: overrides.openedAt,
    lastTriggeredAt: overrides.openedAt,
    summary,
    summaries: { nb: summary, en: summary },
    count: 1,
    isConditionActive: true,
    readings: [{ type: 'spo2', value: 88, unit: '%', measuredAt: overrides.openedAt }],
    thresholds: { min: 90 },
    measures: {},
    source: null,
    acknowledgedBy: null,
    acknowledgedAt: null,
    assignedTo: null,
    assignedToUserId: null,
    resolvedAt: null,
    resolvedBy: null,
    outcome: null,
    resolutionNote: null,
    escalatedAt: null,
    revision: 1,
    ...overrides,
  }
}

/** An episode of the given alerts (issue 20), its course from their readings as the server would give it. */
export function episode(overrides: Partial<Episode> & Pick<Episode, 'id' | 'severity' | 'alerts'>): Episode {
  const first = overrides.alerts[0]!
  const value = (a: Alert) => {
    const r = a.readings[0]
    return r ? { value: r.value, unit: r.unit, at: r.measuredAt, severity: a.severity } : null
  }
  return {
    patientId: first.patientId,
    patientName: first.patientName,
    kind: 'clinical',
    topic: 'vital:spo2',
    vital: 'spo2',
    status: 'open',
    isConditionActive: true,
    firstTriggeredAt: first.openedAt,
    lastTriggeredAt: overrides.alerts.at(-1)!.openedAt,
    first: value(first),
    worst: value(overrides.alerts.at(-1)!),
    latest: value(overrides.alerts.at(-1)!),
    readingCount: overrides.alerts.length,
    snooze: null,
    ...overrides,
  }
}
