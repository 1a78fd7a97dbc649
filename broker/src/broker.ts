import { timingSafeEqual } from 'node:crypto'
import { mkdir } from 'node:fs/promises'
import { createServer, type Server, type Socket } from 'node:net'
import { Duplex } from 'node:stream'
import { servicePassword, type ServiceName } from '@varde/config'
import { findGatewayCredentials, verifySecret, type Queryable } from '@varde/db'
import { GATEWAY_ID_PATTERN, INTERNAL_TOPICS } from '@varde/domain'
import { Aedes, type AuthenticateError, type Client } from 'aedes'
import aedesPersistenceLevel from 'aedes-persistence-level'
import { Level } from 'level'
import type { Logger } from 'pino'
import { canPublish, canSubscribe, type Identity } from './acl.js'
import { PacketSizeGuard } from './packet-size-guard.js'

/** device-protocol.md "Connection": larger packets are refused by the broker. */
export const MAX_PACKET_BYTES = 256 * 1024

export interface BrokerOptions {
  db: Queryable
  logger: Logger
  /** Directory for durable sessions, queued QoS 1 messages and retained messages; omitted: in memory. */
  persistenceDir?: string
  serviceSecret: string
  mode: 'demo' | 'production'
}

export interface VardeBroker {
  aedes: Aedes
  /** Listens for MQTT over TCP; resolves with the bound port. */
  listen(port: number, host: string): Promise<number>
  close(): Promise<void>
}

const identities = new WeakMap<Client, Identity>()

/** Aedes with Varde's gateway authentication (against the database) and topic ACL. */
export async function createBroker(options: BrokerOptions): Promise<VardeBroker> {
  const { db, logger, serviceSecret, mode } = options
  const log = logger.child({ part: 'broker' })
  let persistence: unknown
  if (options.persistenceDir) {
    await mkdir(options.persistenceDir, { recursive: true })
    persistence = aedesPersistenceLevel(new Level(options.persistenceDir))
  }
  const services: ServiceName[] = ['ingest', 'server']

  const refuse = (done: (e: AuthenticateError | null, ok: boolean | null) => void) => {
    // device-protocol.md: the same answer whether the gateway exists or not
    const error = new Error('bad username or password') as AuthenticateError
    error.returnCode = 4
    done(error, null)
  }

  const aedes = await Aedes.createBroker({
    ...(persistence ? { persistence } : {}),
    authenticate(client, username, password, done) {
      const secret = password?.toString('utf8') ?? ''
      void (async () => {
        const service = services.find((s) => username === `svc:${s}`)
        if (service) {
          if (safeEqual(secret, servicePassword(serviceSecret, service))) {
            identities.set(client, { kind: 'service', service })
            return done(null, true)
          }
          log.warn({ event: 'auth-refused', clientId: client.id, service }, 'service login refused')
          return refuse(done)
        }
        const gatewayId = username ?? ''
        const isWellFormed = GATEWAY_ID_PATTERN.test(gatewayId) && client.id === gatewayId
        const gateway = isWellFormed ? await findGatewayCredentials(db, gatewayId) : null
        const ok = await verifySecret(gateway?.secretHash, secret)
        if (ok && gateway && !gateway.isRevoked && !(mode === 'production' && gateway.isDemo)) {
          identities.set(client, { kind: 'gateway', gatewayId })
          return done(null, true)
        }
        log.warn(
          {
            event: 'auth-refused',
            gatewayId: isWellFormed ? gatewayId : undefined,
            clientId: client.id,
          },
          'gateway login refused',
        )
        refuse(done)
      })().catch((error: unknown) => {
        log.error({ err: error, clientId: client.id }, 'authentication failed')
        const e = new Error('server unavailable') as AuthenticateError
        e.returnCode = 3
        done(e, null)
      })
    },
    authorizePublish(client, packet, done) {
      const who = client ? identities.get(client) : undefined
      if (!client) return done(null) // the broker's own publications (e.g. last wills are checked at connect)
      if (who && canPublish(who, packet.topic)) return done(null)
      log.warn(
        { event: 'publish-refused', clientId: client.id, topic: packet.topic },
        'publish refused',
      )
      done(new Error('publish not allowed'))
    },
    authorizeSubscribe(client, subscription, done) {
      const who = identities.get(client)
      if (who && canSubscribe(who, subscription.topic)) return done(null, subscription)
      log.warn(
        { event: 'subscribe-refused', clientId: client.id, topic: subscription.topic },
        'subscribe refused',
      )
      done(new Error('subscribe not allowed'))
    },
  })

  // A revoked gateway is cut off at once (published by the server's admin API).
  aedes.subscribe(
    INTERNAL_TOPICS.gatewayRevoked,
    (packet, cb) => {
      const gatewayId = packet.payload.toString()
      for (const client of connectedClients(aedes)) {
        const who = identities.get(client)
        if (who?.kind === 'gateway' && who.gatewayId === gatewayId) {
          log.info({ event: 'gateway-disconnected', gatewayId }, 'revoked gateway disconnected')
          client.close()
        }
      }
      cb()
    },
    () => {},
  )

  const servers: Server[] = []
  return {
    aedes,
    listen(port, host) {
      const server = createServer((socket) => aedes.handle(guardPacketSize(socket, log)))
      servers.push(server)
      return new Promise((resolve, reject) => {
        server.once('error', reject)
        server.listen(port, host, () => {
          const address = server.address()
          const bound = typeof address === 'object' && address ? address.port : port
          log.info({ event: 'listening', port: bound, host }, 'MQTT listening')
          resolve(bound)
        })
      })
    },
    async close() {
      // stop accepting, then close the clients (a server's close waits for its connections)
      const closed = servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve())))
      await new Promise<void>((resolve) => aedes.close(() => resolve()))
      await Promise.all(closed)
      // aedes.close() leaves its persistence open
      // (called without a callback it returns a promise; with one, it waits for a
      // 'ready' event that aedes 1.x's async setup never emits)
      const p = (aedes as unknown as { persistence?: { destroy?: () => Promise<void> } })
        .persistence
      await p?.destroy?.()
    },
  }
}

function guardPacketSize(socket: Socket, log: Logger): Duplex {
  const guard = new PacketSizeGuard(MAX_PACKET_BYTES, (bytes) => {
    log.warn(
      {
        event: 'packet-too-large',
        bytes,
        limit: MAX_PACKET_BYTES,
        remoteAddress: socket.remoteAddress,
      },
      'connection closed: packet too large',
    )
  })
  const duplex = Duplex.from({ readable: socket.pipe(guard), writable: socket })
  guard.on('error', (error) => duplex.destroy(error))
  duplex.on('close', () => socket.destroy())
  socket.on('error', (error) => duplex.destroy(error))
  socket.on('close', () => duplex.destroy())
  return Object.assign(duplex, {
    remoteAddress: socket.remoteAddress,
    remotePort: socket.remotePort,
  })
}

function connectedClients(aedes: Aedes): Client[] {
  const clients = (aedes as unknown as { clients: Record<string, Client> }).clients
  return Object.values(clients ?? {})
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}
