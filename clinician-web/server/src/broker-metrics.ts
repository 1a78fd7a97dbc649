import type { BrokerStatsSnapshot } from '@varde/domain'
import { z } from 'zod'

/**
 * The broker instances' stats snapshots (retained on
 * `varde/internal/v1/broker/stats/{id}`, published by each broker itself) as
 * Prometheus text for /metrics. The server meets the broker only over MQTT,
 * so the broker can run in another process, or as several instances, and
 * one scrape of /metrics still shows them all.
 */
export const brokerStatsSnapshotSchema = z.object({
  brokerId: z.string().min(1).max(100),
  at: z.string(),
  startedAt: z.string(),
  intervalMs: z.number().int().positive(),
  connectedGateways: z.number().int().nonnegative(),
  connectedServices: z.number().int().nonnegative(),
  messagesIn: z.number().int().nonnegative(),
  messagesOut: z.number().int().nonnegative(),
  refusals: z.record(z.string().regex(/^[a-z-]{1,40}$/), z.number().int().nonnegative()),
  rssBytes: z.number().nonnegative(),
}) satisfies z.ZodType<BrokerStatsSnapshot>

export function renderBrokerMetrics(snapshots: BrokerStatsSnapshot[]): string[] {
  const label = (s: BrokerStatsSnapshot) => `broker="${escapeLabel(s.brokerId)}"`
  const family = (name: string, type: 'gauge' | 'counter', help: string, lines: string[]) => [`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, ...lines]
  return [
    ...family('varde_broker_instances', 'gauge', 'Broker instances publishing stats.', [`varde_broker_instances ${snapshots.length}`]),
    ...family('varde_broker_connected_gateways', 'gauge', 'Gateways connected to a broker instance.',
      snapshots.map((s) => `varde_broker_connected_gateways{${label(s)}} ${s.connectedGateways}`)),
    ...family('varde_broker_connected_services', 'gauge', 'Platform services (ingest, server) connected to a broker instance.',
      snapshots.map((s) => `varde_broker_connected_services{${label(s)}} ${s.connectedServices}`)),
    ...family('varde_broker_messages_in_total', 'counter', 'MQTT messages published by clients to a broker instance.',
      snapshots.map((s) => `varde_broker_messages_in_total{${label(s)}} ${s.messagesIn}`)),
    ...family('varde_broker_messages_out_total', 'counter', 'MQTT messages delivered by a broker instance to clients.',
      snapshots.map((s) => `varde_broker_messages_out_total{${label(s)}} ${s.messagesOut}`)),
    ...family('varde_broker_refusals_total', 'counter', 'Logins, publications, subscriptions and connections a broker instance refused or cut off, by reason.',
      snapshots.flatMap((s) => Object.entries(s.refusals).map(([reason, n]) => `varde_broker_refusals_total{${label(s)},reason="${escapeLabel(reason)}"} ${n}`))),
    ...family('varde_broker_resident_memory_bytes', 'gauge', 'Resident memory of a broker instance\'s process.',
      snapshots.map((s) => `varde_broker_resident_memory_bytes{${label(s)}} ${s.rssBytes}`)),
  ]
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')
}
