import { describe, expect, it } from 'vitest'
import { canPublish, canReceive, canSubscribe, type Identity } from './acl.js'

const gw: Identity = { kind: 'gateway', gatewayId: 'gw-001' }
const ingest: Identity = { kind: 'service', service: 'ingest' }
const server: Identity = { kind: 'service', service: 'server' }
const flows: Identity = { kind: 'service', service: 'flows' }

describe('topic ACL (device-protocol.md "Topics")', () => {
  it.each([
    [gw, 'varde/v1/gateways/gw-001/measurements', true],
    [gw, 'varde/v1/gateways/gw-001/status', true],
    [gw, 'varde/v1/gateways/gw-002/measurements', false],
    [gw, 'varde/v1/gateways/gw-001/receipts', false],
    [gw, 'varde/v1/gateways/gw-001/commands', false],
    [gw, 'varde/internal/v1/measurements', false],
    [gw, 'varde/v1/gateways/gw-001/measurements/extra', false],
    [gw, 'anything', false],
    [ingest, 'varde/v1/gateways/gw-001/receipts', true],
    [ingest, 'varde/v1/gateways/gw-001/commands', true],
    [ingest, 'varde/internal/v1/measurements', true],
    [ingest, 'varde/v1/gateways/gw-001/measurements', false],
    [server, 'varde/v1/gateways/gw-001/receipts', false],
    [server, 'varde/internal/v1/health/server', true],
    // only the server orders a gateway cut off; nobody but the broker itself publishes its stats
    [server, 'varde/internal/v1/gateways/revoked', true],
    [ingest, 'varde/internal/v1/gateways/revoked', false],
    [gw, 'varde/internal/v1/gateways/revoked', false],
    [server, 'varde/internal/v1/broker/stats/b1', false],
    [ingest, 'varde/internal/v1/broker/stats/b1', false],
    // Node-RED (docs/decisions/0020): only the one topic where Varde validates what a flow raises
    [flows, 'varde/internal/v1/flows/alerts', true],
    [flows, 'varde/internal/v1/alerts', false],
    [flows, 'varde/internal/v1/measurements', false],
    [flows, 'varde/internal/v1/gateways/revoked', false],
    [flows, 'varde/v1/gateways/gw-001/commands', false],
  ] as const)('%j publishing to %s: %s', (who, topic, allowed) => {
    expect(canPublish(who, topic)).toBe(allowed)
  })

  it.each([
    [gw, 'varde/v1/gateways/gw-001/receipts', true],
    [gw, 'varde/v1/gateways/gw-001/commands', true],
    [gw, 'varde/v1/gateways/gw-002/receipts', false],
    [gw, 'varde/v1/gateways/+/receipts', false],
    [gw, 'varde/v1/gateways/#', false],
    [gw, '#', false],
    [gw, 'varde/v1/gateways/gw-001/measurements', false],
    [ingest, 'varde/v1/gateways/+/measurements', true],
    [ingest, 'varde/v1/gateways/+/status', true],
    [ingest, '#', false],
    [server, 'varde/internal/v1/#', true],
    [server, 'varde/v1/gateways/+/measurements', false],
    [flows, 'varde/internal/v1/measurements', true],
    [flows, 'varde/internal/v1/alerts', true],
    [flows, 'varde/internal/v1/#', false],
    [flows, 'varde/internal/v1/care-team', false],
    [flows, 'varde/v1/gateways/+/measurements', false],
  ] as const)('%j subscribing to %s: %s', (who, filter, allowed) => {
    expect(canSubscribe(who, filter)).toBe(allowed)
  })

  it.each([
    [gw, 'varde/v1/gateways/gw-001/receipts', true],
    [gw, 'varde/v1/gateways/gw-001/commands', true],
    [gw, 'varde/v1/gateways/gw-002/receipts', false],
    [gw, 'varde/v1/gateways/gw-001/status', false],
    [gw, 'varde/internal/v1/measurements', false],
    [ingest, 'varde/v1/gateways/gw-001/measurements', true],
  ] as const)('%j receiving a message on %s: %s', (who, topic, allowed) => {
    expect(canReceive(who, topic)).toBe(allowed)
  })
})
