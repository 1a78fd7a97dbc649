import { GATEWAY_ID_PATTERN } from '@varde/domain'
import { UsageError } from './cli-config.js'

/** `demo-gw-001` …: `count` ids from number `first`, zero-padded to three digits like the demo gateways. */
export function gatewayIds(prefix: string, first: number, count: number): string[] {
  const ids = Array.from({ length: count }, (_, i) => `${prefix}${String(first + i).padStart(3, '0')}`)
  const bad = ids.find((id) => !GATEWAY_ID_PATTERN.test(id))
  if (bad) throw new UsageError(`gateway id ${bad} is not valid (3-64 of A-Z a-z 0-9 . _ -)`)
  return ids
}

/** The secret for a gateway from a template: `{id}-secret` gives the demo secrets. */
export function secretFor(template: string, gatewayId: string): string {
  return template.replaceAll('{id}', gatewayId)
}
