import { storeBatches, type BatchToStore, type Queryable } from '@varde/db'
import { packReadings, VirtualHome, type DeviceReading } from '@varde/device-sim'
import { judgeBatch } from '@varde/domain'
import { storyEpisodes, storySilence, type StoryHome } from './demo-story.js'

/** Days of history demo mode starts with (the simulator keeps it alive from there): a month, as adherence looks back 30 days (issue 20). */
export const DEMO_HISTORY_DAYS = 30

/** Readings this close together are one sitting, sent by the gateway as one batch right after. */
const SITTING_GAP_MS = 10 * 60_000

/**
 * The story's late readings (issue 20): Ola Hansen's gateway (demo-gw-002)
 * lost its mobile connection on an evening three days ago and came back on
 * the morning two days later; what it measured meanwhile was sent then. The
 * readings over 24 h old on arrival are flagged `late`, as they would be.
 */
export const DEMO_OUTAGE = { gatewayId: 'demo-gw-002', startsDaysAgo: 3, startHour: 18, endsDaysAgo: 1, endHour: 8 } as const

export interface DemoHistoryReport {
  batches: number
  readings: number
}

/**
 * Writes the demo homes' history as their gateways would have sent it: each
 * sitting received a few seconds to minutes after its last measurement, so
 * nothing is late but the story's outage. A backfill over MQTT today would
 * arrive all at once and every reading over a day old would be `late`, so
 * the flag said nothing (issue 20). The same judge as ingest (judgeBatch)
 * decides the flags, with the receive time the story gives; one statement
 * in all (storeBatches); batch ids
 * stable per sitting, and a reading sent again is a duplicate by the
 * second key (migration 0008), so a restart stores only what is new.
 */
export async function seedDemoHistory(db: Queryable, homes: readonly StoryHome[], now = new Date()): Promise<DemoHistoryReport> {
  const report: DemoHistoryReport = { batches: 0, readings: 0 }
  const outage = outageWindow(now)
  const batches: BatchToStore[] = []
  for (const [index, home] of homes.entries()) {
    // the same seed as the live feed (simulator.ts), so history and live readings are one patient
    // and the story's worsening and silences (demo-story.ts), as the live feed has them
    const virtual = new VirtualHome({
      gatewayId: home.gatewayId, secret: home.secret, mqttUrl: 'mqtt://unused', profiles: home.conditions, seed: index + 1, episodes: storyEpisodes(home, now),
    })
    const silence = storySilence(home, now)
    const readings = virtual.history(DEMO_HISTORY_DAYS, now).flatMap((day) => day.readings)
      .filter((r) => !silence || r.at.getTime() < silence.from.getTime() || (silence.until !== null && r.at.getTime() >= silence.until.getTime()))
      .sort((a, b) => a.at.getTime() - b.at.getTime())
    for (const sitting of sittings(readings, home.gatewayId === DEMO_OUTAGE.gatewayId ? outage : null)) {
      const receivedAt = new Date(Math.min(now.getTime(), sitting.sentAt.getTime() + delayMs(home.gatewayId, sitting.sentAt)))
      const stamp = Math.floor(sitting.sentAt.getTime() / 1000).toString(36)
      for (const [i, measurements] of packReadings(sitting.readings, { stampTime: (at) => at.toISOString() }).entries()) {
        const batchId = `${home.gatewayId}-history-${stamp}${i === 0 ? '' : `-${i + 1}`}`
        const judgement = judgeBatch(JSON.stringify({ batchId, sentAt: receivedAt.toISOString(), measurements }), { receivedAt })
        if (!judgement.ok) throw new Error(`demo history of ${home.gatewayId} not valid: ${judgement.receipt.error.detail}`)
        batches.push({
          gatewayId: home.gatewayId, tenantId: home.tenantId, patientId: home.patientId, batchId, receivedAt,
          readings: judgement.readings, rejections: judgement.rejected, conditions: home.conditions,
        })
        report.readings += judgement.readings.length
      }
    }
  }
  // every home's history in one statement (storeBatches); a restart's repeats are duplicates, not doubled data
  if (batches.length > 0) await storeBatches(db, batches)
  report.batches = batches.length
  return report
}

/** The outage's start and end for a given now, at whole local hours of the server's zone. */
export function outageWindow(now: Date): { start: Date; end: Date } {
  const at = (daysAgo: number, hour: number) => {
    const d = new Date(now)
    d.setDate(d.getDate() - daysAgo)
    d.setHours(hour, 0, 0, 0)
    return d
  }
  return { start: at(DEMO_OUTAGE.startsDaysAgo, DEMO_OUTAGE.startHour), end: at(DEMO_OUTAGE.endsDaysAgo, DEMO_OUTAGE.endHour) }
}

interface Sitting {
  readings: DeviceReading[]
  sentAt: Date
}

/** Groups readings into sittings; what was measured during an outage is sent as one batch when it ends. */
function sittings(readings: readonly DeviceReading[], outage: { start: Date; end: Date } | null): Sitting[] {
  const out: Sitting[] = []
  let held: Sitting | null = null
  let current: Sitting | null = null
  for (const reading of readings) {
    const t = reading.at.getTime()
    if (outage && t >= outage.start.getTime() && t < outage.end.getTime()) {
      if (!held) out.push((held = { readings: [], sentAt: outage.end }))
      held.readings.push(reading)
      current = null
    } else if (current && t - current.sentAt.getTime() <= SITTING_GAP_MS) {
      current.readings.push(reading)
      current.sentAt = reading.at
    } else out.push((current = { readings: [reading], sentAt: reading.at }))
  }
  return out
}

/** 5 s to 3 min, fixed per gateway and sitting: a mobile connection's plausible delay. */
function delayMs(gatewayId: string, sentAt: Date): number {
  let h = 2166136261
  for (const c of `${gatewayId}@${sentAt.getTime()}`) h = Math.imul(h ^ c.charCodeAt(0), 16777619) >>> 0
  return 5_000 + (h % 175_000)
}
