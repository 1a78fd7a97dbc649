import { startDemoFeed } from '@varde/device-sim'
import type { Logger } from 'pino'
import { storyEpisodes, storySilence, type StoryHome } from './demo-story.js'

export interface Simulator {
  stop(): Promise<void>
}

/**
 * Demo feeding: the device simulator (device-sim) drives every demo home as a
 * real gateway would, over MQTT with the demo gateway secrets. It gets only
 * what an installer would know: gateway id, secret and the patient's
 * conditions.
 */
export async function startSimulator(options: { mqttUrl: string; homes: StoryHome[]; intervalMs: number; logger: Logger; now?: Date }): Promise<Simulator> {
  const now = options.now ?? new Date()
  return startDemoFeed({
    mqttUrl: options.mqttUrl,
    // the seed is the home's place in the list, as in the history; a home the story keeps silent (a hospital stay, a
    // gateway gone quiet last night) is not fed, and a worsening goes on where the history left it
    homes: options.homes.flatMap((h, i) => (storySilence(h, now) ? [] : [{
      gatewayId: h.gatewayId, secret: h.secret, profiles: h.conditions, seed: i + 1, episodes: storyEpisodes(h, now),
    }])),
    intervalMs: options.intervalMs,
    // the history is in the database already, as the gateways sent it (demo-history.ts), not backfilled over MQTT
    backfillDays: 0,
    logger: options.logger.child({ part: 'simulator' }),
  })
}
