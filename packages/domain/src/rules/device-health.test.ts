import { describe, expect, it } from 'vitest'
import type { Reading } from '../protocol/types.js'
import type { OpenAlertState } from './alert.js'
import { evaluateDeviceHealth, latestDeviceBatteries, type GatewayHealth } from './device-health.js'
import { resolvePatientRules } from './resolve-patient-rules.js'
import { ruleOverrideSchema } from './rule-override.js'

const ruleSet = resolvePatientRules(
  [],
  [
    ruleOverrideSchema.parse({
      ruleId: 'device:gateway-offline',
      version: 1,
      params: { redAfterHours: 72 },
      setBy: { id: 'u-1' },
      setAt: '2026-01-01T00:00:00Z',
    }),
  ],
)
const lastSeenAt = new Date('2026-04-01T06:00:00Z')
const offline: GatewayHealth = { gatewayId: 'G-1', state: 'offline', lastSeenAt, battery: null }
const hoursLater = (h: number) => new Date(lastSeenAt.getTime() + h * 3_600_000)
const openOffline = (severity: 'red' | 'yellow'): OpenAlertState => ({
  alertKey: 'device:gateway-offline',
  ruleId: 'device:gateway-offline',
  severity,
  count: 1,
  isConditionActive: true,
  lastTriggeredAt: lastSeenAt,
})

describe('evaluateDeviceHealth: gateway offline', () => {
  it('is yellow after 24 h, red after the red limit without counting a new episode, cleared when back', () => {
    expect(
      evaluateDeviceHealth({
        ruleSet,
        gateway: offline,
        devices: [],
        openAlerts: [],
        now: hoursLater(23.9),
      }),
    ).toEqual([])
    expect(
      evaluateDeviceHealth({
        ruleSet,
        gateway: offline,
        devices: [],
        openAlerts: [],
        now: hoursLater(24),
      }),
    ).toMatchObject([
      {
        kind: 'open',
        alert: { severity: 'yellow', triggeredAt: lastSeenAt, measures: { hoursOffline: 24 } },
      },
    ])
    expect(
      evaluateDeviceHealth({
        ruleSet,
        gateway: offline,
        devices: [],
        openAlerts: [openOffline('yellow')],
        now: hoursLater(30),
      }),
    ).toEqual([])
    expect(
      evaluateDeviceHealth({
        ruleSet,
        gateway: offline,
        devices: [],
        openAlerts: [openOffline('yellow')],
        now: hoursLater(72),
      }),
    ).toMatchObject([{ kind: 'update', severity: 'red', isEscalated: true, count: 1 }])
    const back: GatewayHealth = { ...offline, state: 'online', lastSeenAt: hoursLater(80) }
    expect(
      evaluateDeviceHealth({
        ruleSet,
        gateway: back,
        devices: [],
        openAlerts: [openOffline('red')],
        now: hoursLater(80),
      }),
    ).toMatchObject([
      { kind: 'clear', alertKey: 'device:gateway-offline', clearedAt: hoursLater(80) },
    ])
  })

  it('raises nothing while the service is paused', () => {
    const pauses = [{ from: lastSeenAt, until: null }]
    expect(
      evaluateDeviceHealth({
        ruleSet,
        gateway: offline,
        devices: [],
        openAlerts: [],
        now: hoursLater(100),
        pauses,
      }),
    ).toEqual([])
  })
})

describe('evaluateDeviceHealth: batteries', () => {
  const at = new Date('2026-04-02T10:00:00Z')
  const open: OpenAlertState = {
    alertKey: 'device:low-battery:OX-1',
    ruleId: 'device:low-battery',
    severity: 'yellow',
    count: 1,
    isConditionActive: true,
    lastTriggeredAt: new Date('2026-04-01T10:00:00Z'),
  }

  it.each([
    [20, ['open']],
    [21, []],
    [24, []],
    [25, []],
  ])('a new device at %i %% gives %j', (battery, kinds) => {
    const actions = evaluateDeviceHealth({
      ruleSet,
      gateway: null,
      devices: [{ deviceId: 'OX-1', battery, reportedAt: at }],
      openAlerts: [],
      now: at,
    })
    expect(actions.map((a) => a.kind)).toEqual(kinds)
  })

  it.each([
    [12, ['update']],
    [22, []], // dead band: a new battery is ≥ 25 %
    [25, ['clear']],
  ])('an open low-battery alert and %i %% gives %j', (battery, kinds) => {
    const actions = evaluateDeviceHealth({
      ruleSet,
      gateway: null,
      devices: [{ deviceId: 'OX-1', battery, reportedAt: at }],
      openAlerts: [open],
      now: at,
    })
    expect(actions.map((a) => a.kind)).toEqual(kinds)
  })

  it('keeps one alert per device, and includes the gateway’s own battery', () => {
    const actions = evaluateDeviceHealth({
      ruleSet,
      gateway: { gatewayId: 'G-1', state: 'online', lastSeenAt: at, battery: 9 },
      devices: [
        { deviceId: 'OX-1', battery: 10, reportedAt: at },
        { deviceId: 'SC-1', battery: 80, reportedAt: at },
      ],
      openAlerts: [],
      now: at,
    })
    expect(actions.map((a) => (a.kind === 'open' ? a.alert.alertKey : a.kind))).toEqual([
      'device:low-battery:OX-1',
      'device:low-battery:G-1',
    ])
  })

  it('reads the latest battery of each device from its readings', () => {
    const reading = (deviceId: string, battery: number | null, at: string): Reading => ({
      measurementId: at,
      deviceId,
      type: 'spo2',
      value: 95,
      unit: '%',
      originalValue: null,
      originalUnit: null,
      measuredAt: new Date(at),
      flags: [],
      battery,
      source: 'decoded',
    })
    expect(
      latestDeviceBatteries([
        reading('OX-1', 30, '2026-04-02T10:00:00Z'),
        reading('OX-1', 18, '2026-04-02T11:00:00Z'),
        reading('OX-1', null, '2026-04-02T12:00:00Z'),
        reading('BP-1', 60, '2026-04-01T10:00:00Z'),
      ]),
    ).toEqual([
      { deviceId: 'BP-1', battery: 60, reportedAt: new Date('2026-04-01T10:00:00Z') },
      { deviceId: 'OX-1', battery: 18, reportedAt: new Date('2026-04-02T11:00:00Z') },
    ])
  })
})
