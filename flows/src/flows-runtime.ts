import type { Queryable } from '@varde/db'
import { AsyncLocalStorage } from 'node:async_hooks'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { createRequire } from 'node:module'
import type { Duplex } from 'node:stream'
import { fileURLToPath } from 'node:url'
import express from 'express'
import type { Logger } from 'pino'
import { databaseStorage } from './db-storage.js'
import type { VardeFlowServices } from './flow-services.js'
import { sandboxSettings } from './sandbox.js'

const require = createRequire(import.meta.url)

/** Varde's nodes (`varde-…` in the palette). */
export const VARDE_NODES_DIR = fileURLToPath(new URL('../nodes', import.meta.url))
export const FLOWS_ADMIN_ROOT = '/flows'

export class FlowsRuntimeError extends Error {
  constructor(readonly code: 'flows-runtime-once', message: string) {
    super(message)
    this.name = 'FlowsRuntimeError'
  }
}

interface NodeRed {
  init(server: unknown, settings: Record<string, unknown>): void
  start(): Promise<void>
  stop(): Promise<void>
  httpAdmin: express.Express
}

export interface FlowsRuntime {
  tenantId: string
  /** Node-RED's editor and admin API; `who` is the administrator the server let through (named on a deploy). */
  handle(request: IncomingMessage, response: ServerResponse, who: string): void
  upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void
  stop(): Promise<void>
}

let isStarted = false

/** Node-RED's log levels (its numbers) as pino's. */
const LEVELS: Record<number, 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace'> = { 10: 'fatal', 20: 'error', 30: 'warn', 40: 'info', 50: 'debug', 60: 'trace' }

/**
 * Node-RED 4.1 as a library (docs/decisions/0020): one runtime in this
 * process, for one tenant, its editor and admin API answered under `/flows`
 * by `handle` (the server's route, which has checked the session first),
 * its flows in the database, its function nodes in the sandbox of
 * sandbox.ts, and Varde's nodes given `services` and nothing else. Node-RED
 * keeps its state in its module: a process starts it once.
 */
export async function startFlowsRuntime(options: {
  db: Queryable
  tenantId: string
  credentialSecret: string
  services: VardeFlowServices
  userDir: string
  logger: Logger
}): Promise<FlowsRuntime> {
  if (isStarted) throw new FlowsRuntimeError('flows-runtime-once', 'Node-RED runs once per process (its state is its module\'s)')
  isStarted = true
  const log = options.logger.child({ part: 'flows' })
  const deployer = new AsyncLocalStorage<string>()
  await mkdir(options.userDir, { recursive: true })
  // Node-RED reads its user directory's package.json (the installed-modules list); installing is off, the list empty
  await writeFile(join(options.userDir, 'package.json'), '{ "name": "varde-flows", "private": true, "dependencies": {} }\n', { flag: 'wx' }).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'EEXIST') throw error
  })
  const RED = require('node-red') as NodeRed
  // the editor's WebSocket: Node-RED listens for upgrades on this server, which never listens itself;
  // the platform's server hands it the upgrades it let through
  const commsServer = createServer()
  RED.init(commsServer, {
    ...sandboxSettings(),
    httpAdminRoot: FLOWS_ADMIN_ROOT,
    userDir: options.userDir,
    nodesDir: [VARDE_NODES_DIR],
    storageModule: databaseStorage(options.db, options.tenantId, () => deployer.getStore() ?? 'flows-runtime'),
    credentialSecret: options.credentialSecret,
    vardeServices: options.services,
    logging: {
      console: { level: 'off' },
      varde: {
        level: 'info', metrics: false, audit: false,
        // a node's message may carry what a flow author put in it: only its node and type are logged
        handler: () => (m: { level: number; msg?: unknown; type?: string; id?: string }) => {
          const level = LEVELS[m.level] ?? 'info'
          if (m.type) log[level]({ event: 'flows-node-log', nodeType: m.type, nodeId: m.id }, 'a flow node logged')
          else log[level]({ event: 'flows-runtime' }, String(m.msg).slice(0, 300))
        },
      },
    },
    // Varde's nodes first in the palette
    paletteCategories: ['Varde', 'subflows', 'common', 'function', 'network', 'sequence', 'parser', 'storage'],
    editorTheme: {
      page: { title: 'Varde – flyter' },
      header: { title: 'Varde flyter' },
      projects: { enabled: false },
      palette: { editable: false },
      tours: false,
      multiplayer: { enabled: false },
    },
  })
  const app = express()
  app.disable('x-powered-by')
  // the editor's page links relative to /flows/ (Express's routing would take /flows/ for /flows too)
  app.use((request, response, next) => {
    if (request.method === 'GET' && request.url === FLOWS_ADMIN_ROOT) response.redirect(301, `${FLOWS_ADMIN_ROOT}/`)
    else next()
  })
  app.use(FLOWS_ADMIN_ROOT, RED.httpAdmin)
  await RED.start()
  log.info({ tenantId: options.tenantId }, 'Node-RED started at /flows/')
  return {
    tenantId: options.tenantId,
    handle: (request, response, who) => deployer.run(who, () => app(request, response)),
    upgrade: (request, socket, head) => { commsServer.emit('upgrade', request, socket, head) },
    stop: async () => {
      await RED.stop()
      commsServer.close()
    },
  }
}
