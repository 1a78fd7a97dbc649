import { randomUUID, timingSafeEqual } from 'node:crypto'
import type { EventEmitter } from 'node:events'
import { createServer as createHttpServer, type IncomingMessage, type Server as HttpServer } from 'node:http'
import { createServer, Socket, type Server } from 'node:net'
import { Duplex } from 'node:stream'
import { createServer as createTlsServer } from 'node:tls'
import { servicePassword, type ServiceName } from '@varde/config'
import { findGatewayCredentialChanges, findGatewayCredentials, verifySecret, type Queryable } from '@varde/db'
import { GATEWAY_ID_PATTERN, INTERNAL_TOPICS, partitionOfClientId, type BrokerStatsSnapshot } from '@varde/domain'
import { Aedes, type AuthenticateError, type Client } from 'aedes'
import type { Logger } from 'pino'
import { canPublish, canReceive, canSubscribe, isForOtherPartition, type Identity } from './acl.js'
import { BrokerStats, type RefusalReason } from './broker-stats.js'
import { deliverAfterConnack, deliverOvertakenMessages, releaseDeliveries, tolerateAcknowledgedRedelivery } from './delivery-order.js'
import { PacketSizeGuard, PacketTooLargeError } from './packet-size-guard.js'
import { openPersistence, type BrokerPersistence } from './persistence.js'
import { RecentEvents } from './recent-events.js'
import type { TlsCredentials } from './tls-credentials.js'
import { MQTT_WEBSOCKET_PATH, MqttWebSocketAdapter } from './websocket.js'

/** device-protocol.md "Connection": larger packets are refused by the broker. */
export const MAX_PACKET_BYTES = 256 * 1024

/** The abuse limits; each refusal has its own log line (`event`) and counter (`varde_broker_refusals_total{reason}`). */
export interface BrokerLimits {
  /** Failed logins for one client id within the window, after which its attempts are refused unchecked (`login-throttled`). */
  maxFailedLoginsPerClientId: number
  /** Failed logins from one address (many ids: a spray) within the window, after which that address is refused unchecked. */
  maxFailedLoginsPerAddress: number
  failedLoginWindowMs: number
  /** Connections of one gateway id being authenticated at once (each costs an argon2id verification) (`connection-cap`). */
  maxPendingConnectsPerGateway: number
  /**
   * Successful connections of one gateway id per window. One gateway id has
   * one session (a new connection takes the old one over, on every broker
   * instance); two boxes with the same credentials would take each other over
   * in a loop, which this stops (and `gateway-takeover` logs).
   */
  maxConnectsPerGatewayPerWindow: number
  connectWindowMs: number
  /** Keep-alive a client may ask for; 0 (none) or more is lowered to this, so a dead connection is found within 1.5× it (`keepalive-clamped`, `keepalive-timeout`). */
  maxKeepaliveS: number
  /** Time from TCP connect to the MQTT CONNECT packet (`connect-timeout`). */
  connectTimeoutMs: number
}

export const DEFAULT_BROKER_LIMITS: BrokerLimits = {
  maxFailedLoginsPerClientId: 5,
  maxFailedLoginsPerAddress: 50,
  failedLoginWindowMs: 5 * 60_000,
  maxPendingConnectsPerGateway: 2,
  maxConnectsPerGatewayPerWindow: 20,
  connectWindowMs: 60_000,
  maxKeepaliveS: 300,
  connectTimeoutMs: 10_000,
}

export interface BrokerOptions {
  db: Queryable
  logger: Logger
  /** Directory for durable sessions, queued QoS 1 messages and retained messages (one broker); omitted: in memory. */
  persistenceDir?: string | undefined
  /** Redis for persistence and message routing shared by several broker instances; takes precedence over `persistenceDir`. */
  redisUrl?: string | undefined
  serviceSecret: string
  mode: 'demo' | 'production'
  /** This instance's id (topic of its stats); default: random per start. */
  brokerId?: string | undefined
  limits?: Partial<BrokerLimits> | undefined
  /** How often the stats snapshot is published (retained) on `INTERNAL_TOPICS.brokerStats(id)`. */
  statsIntervalMs?: number | undefined
  /** How often the database is asked for revoked or rotated gateways (safety net for the MQTT revocation order). */
  credentialCheckIntervalMs?: number | undefined
}

export interface VardeBroker {
  aedes: Aedes
  id: string
  persistence: BrokerPersistence['kind']
  /** Listens for MQTT over TCP; resolves with the bound port. */
  listen(port: number, host: string): Promise<number>
  /** Listens for MQTT over TLS; resolves with the bound port. */
  listenTls(port: number, host: string, credentials: TlsCredentials): Promise<number>
  /**
   * Serves MQTT over WebSocket at `path` of an existing HTTP server (the API
   * server's port, device-protocol.md "Connection"). Returns a function that
   * detaches and closes those connections: call it before closing `server`.
   */
  attachWebSocket(server: HttpServer, path?: string): () => Promise<void>
  /** Serves MQTT over WebSocket at `/mqtt` on a port of its own (a broker started without the API server). */
  listenWebSocket(port: number, host: string): Promise<number>
  /** One MQTT connection over an already upgraded WebSocket stream. */
  handleWebSocket(stream: Duplex, request: IncomingMessage): void
  stats(): BrokerStatsSnapshot
  close(): Promise<void>
}

const identities = new WeakMap<Client, Identity>()
/** The secret hash a gateway connection authenticated with: a rotation changes it, and the connection is cut. */
const authHashes = new WeakMap<Client, string>()

type Done = (e: AuthenticateError | null, ok: boolean | null) => void

/** Aedes with Varde's gateway authentication (against the database), topic ACL, abuse limits, transports and stats. */
export async function createBroker(options: BrokerOptions): Promise<VardeBroker> {
  const { db, serviceSecret, mode } = options
  const limits: BrokerLimits = { ...DEFAULT_BROKER_LIMITS, ...options.limits }
  const id = options.brokerId ?? randomUUID()
  const log = options.logger.child({ part: 'broker', brokerId: id })
  const stats = new BrokerStats(id, options.statsIntervalMs ?? 5000)
  const store = await openPersistence({ dir: options.persistenceDir, redisUrl: options.redisUrl, logger: log })
  const services: ServiceName[] = ['ingest', 'server', 'flows']

  const failedByClientId = new RecentEvents(limits.failedLoginWindowMs)
  const failedByAddress = new RecentEvents(limits.failedLoginWindowMs)
  const connectsByGateway = new RecentEvents(limits.connectWindowMs)
  const pendingByGateway = new Map<string, number>()
  const connected = { gateways: new Set<Client>(), services: new Set<Client>() }

  const refuse = (done: Done, returnCode: 3 | 4) => {
    // device-protocol.md: the same answer whether the gateway exists or not
    const error = new Error(returnCode === 4 ? 'bad username or password' : 'server unavailable') as AuthenticateError
    error.returnCode = returnCode
    done(error, null)
  }
  const who = (client: Client | null | undefined) => {
    const identity = client ? identities.get(client) : undefined
    if (identity?.kind === 'gateway') return { gatewayId: identity.gatewayId }
    if (identity?.kind === 'service') return { service: identity.service }
    return { clientId: client?.id }
  }
  const count = (reason: RefusalReason) => stats.refuse(reason)

  async function authenticate(client: Client, username: string | undefined, secret: string, done: Done): Promise<void> {
    const clientId = client.id
    const remoteAddress = remoteAddressOf(client)
    const gatewayId = username ?? ''
    const isWellFormed = GATEWAY_ID_PATTERN.test(gatewayId) && clientId === gatewayId
    const logId = isWellFormed ? { gatewayId } : { clientId: String(clientId).slice(0, 80) }

    // Throttled: refused unchecked (no verification, so no guessing), with the same answer as a wrong secret.
    const retryAfterMs = Math.max(
      failedByClientId.retryAfterMs(clientId, limits.maxFailedLoginsPerClientId),
      failedByAddress.retryAfterMs(remoteAddress, limits.maxFailedLoginsPerAddress),
    )
    if (retryAfterMs > 0) {
      count('throttled')
      log.warn({ event: 'login-throttled', ...logId, remoteAddress, retryAfterMs }, 'login refused unchecked: too many failed logins')
      return refuse(done, 4)
    }
    const failed = (reason: string, extra: Record<string, unknown> = {}) => {
      failedByClientId.add(clientId)
      failedByAddress.add(remoteAddress)
      count('auth')
      log.warn({ event: 'auth-refused', ...logId, ...extra, reason, remoteAddress }, 'login refused')
      refuse(done, 4)
    }

    const service = services.find((s) => username === `svc:${s}`)
    if (service) {
      if (!safeEqual(secret, servicePassword(serviceSecret, service))) return failed('wrong-secret', { service })
      const partition = service === 'ingest' ? partitionOfClientId(clientId) : undefined
      identities.set(client, partition ? { kind: 'service', service, partition } : { kind: 'service', service })
      failedByClientId.clear(clientId)
      return done(null, true)
    }
    if (!isWellFormed) {
      await verifySecret(null, secret) // same time as for a real gateway
      return failed('malformed')
    }

    const pending = pendingByGateway.get(gatewayId) ?? 0
    if (pending >= limits.maxPendingConnectsPerGateway || connectsByGateway.count(gatewayId) >= limits.maxConnectsPerGatewayPerWindow) {
      count('connection-cap')
      log.warn(
        { event: 'connection-cap', gatewayId, remoteAddress, pending, recentConnects: connectsByGateway.count(gatewayId), windowMs: limits.connectWindowMs },
        'gateway connection refused: too many connections for this gateway id',
      )
      return refuse(done, 3)
    }
    pendingByGateway.set(gatewayId, pending + 1)
    let gateway, ok
    try {
      gateway = await findGatewayCredentials(db, gatewayId)
      ok = await verifySecret(gateway?.secretHash, secret)
    } finally {
      const left = (pendingByGateway.get(gatewayId) ?? 1) - 1
      if (left > 0) pendingByGateway.set(gatewayId, left)
      else pendingByGateway.delete(gatewayId)
    }
    if (!gateway) return failed('unknown-gateway')
    if (!ok) return failed('wrong-secret')
    if (gateway.isRevoked) return failed('revoked')
    if (mode === 'production' && gateway.isDemo) return failed('demo-gateway-in-production')

    connectsByGateway.add(gatewayId)
    failedByClientId.clear(clientId)
    identities.set(client, { kind: 'gateway', gatewayId })
    authHashes.set(client, gateway.secretHash)
    const existing = clientsOf(aedes)[gatewayId]
    if (existing && !existing.closed) {
      log.warn({ event: 'gateway-takeover', gatewayId, remoteAddress }, 'a new connection of the gateway replaces its existing one')
    }
    done(null, true)
  }

  const aedes = await Aedes.createBroker({
    id,
    ...(store.persistence ? { persistence: store.persistence } : {}),
    ...(store.mq ? { mq: store.mq } : {}),
    connectTimeout: limits.connectTimeoutMs,
    // gateway ids are up to 64 characters (device-protocol.md); Aedes applies this to MQTT 3.1 only
    maxClientsIdLength: 64,
    preConnect(client, packet, callback) {
      deliverOvertakenMessages(client)
      deliverAfterConnack(client)
      if (!packet.keepalive || packet.keepalive > limits.maxKeepaliveS) {
        log.info(
          { event: 'keepalive-clamped', clientId: String(packet.clientId).slice(0, 80), requestedS: packet.keepalive, appliedS: limits.maxKeepaliveS },
          'keep-alive lowered to the broker maximum',
        )
        packet.keepalive = limits.maxKeepaliveS
      }
      callback(null, true)
    },
    authenticate(client, username, password, done) {
      authenticate(client, username, password?.toString('utf8') ?? '', done).catch((error: unknown) => {
        log.error({ err: error, clientId: client.id }, 'authentication failed')
        refuse(done, 3)
      })
    },
    authorizePublish(client, packet, done) {
      if (!client) return done(null) // the broker's own publications (stats, wills checked at connect)
      const identity = identities.get(client)
      if (identity && canPublish(identity, packet.topic)) return done(null)
      count('publish')
      // MQTT 3.1.1 can refuse a publish only by closing the connection
      log.warn({ event: 'publish-refused', ...who(client), topic: packet.topic.slice(0, 200) }, 'publish refused, connection closed')
      done(new Error('publish not allowed'))
    },
    authorizeSubscribe(client, subscription, done) {
      const identity = identities.get(client)
      if (identity && canSubscribe(identity, subscription.topic)) return done(null, subscription)
      count('subscribe')
      log.warn({ event: 'subscribe-refused', ...who(client), topic: subscription.topic.slice(0, 200) }, 'subscribe refused')
      done(null, null) // SUBACK 0x80 (failure) for this filter
    },
    authorizeForward(client, packet) {
      const identity = identities.get(client)
      if (identity?.kind === 'service' && isForOtherPartition(identity.partition, packet.topic)) return null
      if (identity && canReceive(identity, packet.topic)) {
        stats.messagesOut++
        return packet
      }
      count('forward')
      log.warn({ event: 'forward-refused', ...who(client), topic: packet.topic.slice(0, 200) }, 'message not forwarded')
      return null
    },
  })

  tolerateAcknowledgedRedelivery((aedes as unknown as { persistence: Parameters<typeof tolerateAcknowledgedRedelivery>[0] }).persistence)
  queueOnlyForOwnPartition((aedes as unknown as { persistence: QueueingPersistence }).persistence)

  aedes.on('publish', (_packet, client) => {
    if (client) stats.messagesIn++
  })
  aedes.on('connackSent', (_connack, client) => releaseDeliveries(client))
  aedes.on('clientReady', (client) => {
    const identity = identities.get(client)
    if (identity?.kind === 'gateway') connected.gateways.add(client)
    else if (identity?.kind === 'service') connected.services.add(client)
  })
  aedes.on('clientDisconnect', (client) => {
    connected.gateways.delete(client)
    connected.services.delete(client)
  })
  aedes.on('keepaliveTimeout', (client) => {
    count('keepalive-timeout')
    log.info({ event: 'keepalive-timeout', ...who(client) }, 'connection closed: keep-alive expired')
  })
  aedes.on('connectionError', (client, error) => {
    if (/connect did not arrive in time/.test(error.message)) {
      count('connect-timeout')
      log.info({ event: 'connect-timeout', remoteAddress: remoteAddressOf(client), timeoutMs: limits.connectTimeoutMs }, 'connection closed: no CONNECT in time')
    } else if (!(error instanceof PacketTooLargeError)) {
      log.debug({ event: 'connection-error', remoteAddress: remoteAddressOf(client), err: error.message }, 'connection error')
    }
  })
  aedes.on('clientError', (client, error) => {
    log.debug({ event: 'client-error', ...who(client), err: error.message }, 'client connection error')
  })
  // persistence failures (e.g. Redis away) must not take the process down
  ;(aedes as EventEmitter).on('error', (error: Error) => log.error({ event: 'broker-error', err: error }, 'broker error'))

  // A revoked or rotated gateway is cut off at once: on the server's order
  // (over MQTT, so every instance hears it), and, as a safety net for changes
  // made without it (CLI, SQL), by polling the database.
  const cutOff = (gatewayId: string, reason: 'revoked' | 'rotated', source: 'order' | 'database') => {
    const client = clientsOf(aedes)[gatewayId]
    if (!client || client.closed || identities.get(client)?.kind !== 'gateway') return
    count('revoked')
    log.warn({ event: 'gateway-disconnected', gatewayId, reason, source }, 'gateway disconnected: credentials no longer valid')
    client.close()
  }
  const onRevocation = (packet: { payload: Buffer | string }, cb: () => void) => {
    const gatewayId = packet.payload.toString()
    if (GATEWAY_ID_PATTERN.test(gatewayId)) cutOff(gatewayId, 'revoked', 'order')
    cb()
  }
  await new Promise<void>((resolve) => aedes.subscribe(INTERNAL_TOPICS.gatewayRevoked, onRevocation, resolve))

  const credentialCheckMs = options.credentialCheckIntervalMs ?? 1000
  let lastCheckAt = Date.now()
  let isCheckFailing = false
  let checkTimer: NodeJS.Timeout | undefined
  let isClosing = false
  const checkCredentials = async () => {
    const startedAt = Date.now()
    // look back over the time since the last successful check, with a margin for commit order
    const changes = await findGatewayCredentialChanges(db, Math.max(10_000, startedAt - lastCheckAt + 5_000))
    lastCheckAt = startedAt
    for (const change of changes) {
      const client = clientsOf(aedes)[change.gatewayId]
      if (!client) continue
      if (change.isRevoked) cutOff(change.gatewayId, 'revoked', 'database')
      else if (authHashes.get(client) !== change.secretHash) cutOff(change.gatewayId, 'rotated', 'database')
    }
  }
  const scheduleCheck = () => {
    checkTimer = setTimeout(() => {
      checkCredentials().then(
        () => { isCheckFailing = false },
        (error: unknown) => {
          if (!isCheckFailing) log.warn({ event: 'credential-check-failed', err: error }, 'could not check gateway credentials; retrying')
          isCheckFailing = true
        },
      ).finally(() => { if (!isClosing) scheduleCheck() })
    }, credentialCheckMs)
    checkTimer.unref()
  }
  scheduleCheck()

  const statsTopic = INTERNAL_TOPICS.brokerStats(id)
  const snapshot = () => stats.snapshot({ gateways: connected.gateways.size, services: connected.services.size })
  const publishStats = (payload: string) =>
    new Promise<void>((resolve) => aedes.publish({ cmd: 'publish', topic: statsTopic, payload: Buffer.from(payload), qos: 0, retain: true, dup: false }, () => resolve()))
  const statsTimer = setInterval(() => void publishStats(JSON.stringify(snapshot())), stats.intervalMs)
  statsTimer.unref()
  void publishStats(JSON.stringify(snapshot()))

  const guard = (stream: Duplex, remoteAddress: string | undefined) => guardPacketSize(stream, remoteAddress, log, () => count('packet-too-large'))
  const webSockets = new MqttWebSocketAdapter(
    (stream, request) => aedes.handle(guard(stream, request.socket.remoteAddress), request),
    2 * MAX_PACKET_BYTES,
  )
  const detachers: (() => Promise<void>)[] = []
  const servers: Server[] = []
  const listenOn = (server: Server, port: number, host: string, transport: string) =>
    new Promise<number>((resolve, reject) => {
      servers.push(server)
      server.once('error', reject)
      server.listen(port, host, () => {
        const address = server.address()
        const bound = typeof address === 'object' && address ? address.port : port
        log.info({ event: 'listening', transport, port: bound, host }, `MQTT (${transport}) listening`)
        resolve(bound)
      })
    })

  log.info({ event: 'started', persistence: store.kind, limits }, 'broker started')
  return {
    aedes,
    id,
    persistence: store.kind,
    stats: snapshot,
    listen(port, host) {
      // noDelay: small MQTT packets (a receipt, a PUBACK) go out at once, not after the peer's delayed ACK (~40 ms)
      return listenOn(createServer({ noDelay: true }, (socket) => aedes.handle(guard(socket, socket.remoteAddress))), port, host, 'tcp')
    },
    listenTls(port, host, credentials) {
      const server = createTlsServer(
        { cert: credentials.cert, key: credentials.key, minVersion: 'TLSv1.2', handshakeTimeout: limits.connectTimeoutMs },
        (socket) => aedes.handle(guard(socket, socket.remoteAddress)),
      )
      server.on('tlsClientError', (error, socket) => {
        log.info({ event: 'tls-handshake-failed', remoteAddress: socket.remoteAddress, err: error.message }, 'TLS handshake failed')
      })
      return listenOn(server, port, host, 'tls')
    },
    attachWebSocket(server, path = MQTT_WEBSOCKET_PATH) {
      const detach = webSockets.attach(server, path)
      detachers.push(detach)
      log.info({ event: 'listening', transport: 'websocket', path }, 'MQTT over WebSocket attached to the HTTP server')
      return detach
    },
    listenWebSocket(port, host) {
      const server = createHttpServer((_request, response) => {
        response.writeHead(404, { 'content-type': 'text/plain' }).end('MQTT over WebSocket only, at /mqtt\n')
      })
      detachers.push(webSockets.attach(server))
      return listenOn(server as unknown as Server, port, host, 'websocket')
    },
    handleWebSocket(stream, request) {
      aedes.handle(guard(stream, request.socket.remoteAddress), request)
    },
    async close() {
      isClosing = true
      clearTimeout(checkTimer)
      clearInterval(statsTimer)
      // clears the retained snapshot (this instance is gone); not waiting long for a Redis that is away
      await Promise.race([publishStats(''), new Promise((resolve) => setTimeout(resolve, 1000).unref())])
      // stop accepting, then close the clients (a server's close waits for its connections)
      const closed = servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve())))
      await Promise.all(detachers.map((d) => d()))
      await webSockets.close()
      await new Promise<void>((resolve) => aedes.close(() => resolve()))
      await Promise.all(closed)
      // aedes.close() leaves its persistence open
      // (called without a callback it returns a promise; with one, it waits for a
      // 'ready' event that aedes 1.x's async setup never emits)
      const p = (aedes as unknown as { persistence?: { destroy?: () => Promise<void> } }).persistence
      await p?.destroy?.()
    },
  }
}

function guardPacketSize(stream: Duplex, remoteAddress: string | undefined, log: Logger, onRefused: () => void): Duplex {
  const guard = new PacketSizeGuard(MAX_PACKET_BYTES, (bytes) => {
    onRefused()
    log.warn(
      { event: 'packet-too-large', bytes, limit: MAX_PACKET_BYTES, remoteAddress, gatewayId: (duplex as { client?: Client }).client?.id },
      'connection closed: packet too large',
    )
  })
  // TCP and TLS sockets; a WebSocket stream frames each write itself and may not lose what a close overtakes
  if (stream instanceof Socket) coalesceWrites(stream)
  const duplex = Duplex.from({ readable: stream.pipe(guard), writable: stream })
  guard.on('error', (error) => duplex.destroy(error))
  duplex.on('close', () => stream.destroy())
  stream.on('error', (error) => duplex.destroy(error))
  stream.on('close', () => duplex.destroy())
  return Object.assign(duplex, { remoteAddress })
}

/**
 * Aedes writes each MQTT packet to its socket on its own, and each write was
 * a system call and a TCP segment: with Nagle off (noDelay) that was a quarter
 * of the broker's CPU at 2,000 readings a second (`npm run bench:ingest`
 * profiles). The socket is corked at its first write of an event-loop turn and
 * uncorked when the turn's I/O is done (setImmediate), so the packets one turn
 * produces for a connection (ingest gets hundreds) leave in one write, after
 * at most that turn.
 */
function coalesceWrites(stream: Duplex): void {
  let isCorked = false
  const uncork = () => {
    isCorked = false
    stream.uncork()
  }
  const write = stream.write.bind(stream) as (...args: unknown[]) => boolean
  stream.write = ((...args: unknown[]) => {
    if (!isCorked && !stream.destroyed) {
      isCorked = true
      stream.cork()
      setImmediate(uncork)
    }
    return write(...args)
  }) as typeof stream.write
  // what was written before a close goes out first (a refused CONNACK, say), as it did uncorked
  const destroy = stream.destroy.bind(stream)
  stream.destroy = ((error?: Error) => {
    if (isCorked) uncork()
    return destroy(error)
  }) as typeof stream.destroy
}

/** Aedes' connected clients by client id (not in its typings); a gateway's client id is its gateway id. */
function clientsOf(aedes: Aedes): Record<string, Client | undefined> {
  return (aedes as unknown as { clients: Record<string, Client | undefined> }).clients
}

function remoteAddressOf(client: Client): string {
  const conn = client.conn as { remoteAddress?: string }
  return conn.remoteAddress ?? client.req?.socket.remoteAddress ?? 'unknown'
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}

interface QueueingPersistence {
  outgoingEnqueueCombi(subs: { clientId: string }[] | undefined, packet: { topic: string }): Promise<unknown>
}

/**
 * A message for an offline persistent session is queued by Aedes before any
 * authorizeForward: an ingest process that is down would find, on its return,
 * the other partitions' batches in its queue too (each then filtered out, but
 * left in the store). So the queueing itself leaves them out.
 */
function queueOnlyForOwnPartition(persistence: QueueingPersistence): void {
  const enqueue = persistence.outgoingEnqueueCombi.bind(persistence)
  persistence.outgoingEnqueueCombi = (subs, packet) =>
    enqueue(subs?.filter((sub) => !isForOtherPartition(partitionOfClientId(sub.clientId), packet.topic)), packet)
}
