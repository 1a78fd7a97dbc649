import { isDemoRuleWorkDone, resolveDemoEarlierShifts, seedDemoShift, type DemoHome, type Pool } from '@varde/db'
import type { Logger } from 'pino'
import { seedDemoHistory } from './demo-history.js'
import { startSimulator, type Simulator } from './simulator.js'

/** A shift's length: what is older than this was handled by an earlier shift (demo-earlier-shifts.ts). */
export const DEMO_SHIFT_HOURS = 8

/** How long the demo waits for the rules to judge the month of history before the earlier shifts resolve what they handled. */
const RULES_DEADLINE_MS = 180_000

/** How long a stop waits for the step under way (a statement, the feed's connecting) before the platform stops under it. */
const STOP_WAIT_MS = 2_000

export interface DemoShiftStart {
  /** Settles when the shift, its history and the earlier shifts' work are stored and the live feed runs (never rejects: failures are logged). */
  done: Promise<void>
  stop(): Promise<void>
}

/**
 * The demo's shift of 80 (issue 20), brought up after the platform says it is
 * ready: seeding the 66 extra patients (66 argon2 hashes on a first start),
 * a month of their history and the rules' judging of it took `npm start`
 * from 16 s to 43 s to ready. The portal serves the 14 of DEMO_PATIENTS
 * meanwhile; the rest appear within seconds. Order: patients and gateways,
 * history (one statement), the rules judge it (rule_work drained, with a
 * deadline), the earlier shifts resolve what is older than this shift, then
 * the live feed starts (so a live reading never races the resolve).
 */
export function startDemoShift(options: {
  pool: Pool; demoHomes: DemoHome[]; withShift: boolean; mqttUrl: string; intervalMs: number; logger: Logger
}): DemoShiftStart {
  const { pool, logger } = options
  let stopping = false
  let sim: Simulator | undefined
  const done = (async () => {
    const startedAt = performance.now()
    const now = new Date()
    const homes = [...options.demoHomes, ...(options.withShift ? await seedDemoShift(pool, now) : [])]
    const history = await seedDemoHistory(pool, homes, now)
    logger.info({ part: 'simulator', homes: homes.length, ...history, ms: Math.round(performance.now() - startedAt) }, 'demo history stored')
    if (options.withShift) {
      // the rules judge the history as ingest's would (rule_work): wait for them, polling with a deadline
      const deadline = Date.now() + RULES_DEADLINE_MS
      while (!stopping && !(await isDemoRuleWorkDone(pool)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250))
      if (stopping) return
      const handled = await resolveDemoEarlierShifts(pool, new Date(now.getTime() - DEMO_SHIFT_HOURS * 3_600_000))
      logger.info({ part: 'simulator', handled, ms: Math.round(performance.now() - startedAt) }, 'demo earlier shifts resolved')
    }
    if (stopping) return
    sim = await startSimulator({ mqttUrl: options.mqttUrl, homes, intervalMs: options.intervalMs, logger, now })
    if (stopping) return
    logger.info({ part: 'simulator', ms: Math.round(performance.now() - startedAt) }, 'demo feed running')
  })().catch((error: unknown) => {
    // a stop in the middle ends the database under a statement: expected, not an error
    if (stopping) logger.warn({ part: 'simulator' }, 'demo shift not finished: stopped while it was coming up')
    else logger.error({ err: error, part: 'simulator' }, 'demo shift failed to start')
  })
  return {
    done,
    stop: async () => {
      stopping = true
      // a Ctrl-C right after ready must not wait out the history's one statement or the rules' judging of it
      // (main.ts's 10 s shutdown deadline); what is not stored yet is stored on the next start (idempotent)
      await Promise.race([done, new Promise((resolve) => setTimeout(resolve, STOP_WAIT_MS).unref())])
      await sim?.stop()
    },
  }
}
