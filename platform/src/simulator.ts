import type { DemoHome } from '@varde/db'
import { startDemoFeed } from '@varde/device-sim'
import type { Logger } from 'pino'

export interface Simulator {
  stop(): Promise<void>
}

/**
 * Demo feeding: the device simulator (device-sim) drives every demo home as a
 * real gateway would, over MQTT with the demo gateway secrets. It gets only
 * what an installer would know: gateway id, secret and the patient's
 * conditions.
 */
export async function startSimulator(options: { mqttUrl: string; homes: DemoHome[]; intervalMs: number; logger: Logger }): Promise<Simulator> {
  return startDemoFeed({
    mqttUrl: options.mqttUrl,
    homes: options.homes.map((h, i) => ({ gatewayId: h.gatewayId, secret: h.secret, profiles: h.conditions, seed: i + 1 })),
    intervalMs: options.intervalMs,
    // the history is in the database already, as the gateways sent it (demo-history.ts), not backfilled over MQTT
    backfillDays: 0,
    logger: options.logger.child({ part: 'simulator' }),
  })
}
