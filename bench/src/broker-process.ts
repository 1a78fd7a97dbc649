import { createBroker } from '@varde/broker'
import { createPool } from '@varde/db'
import { pino } from 'pino'

/**
 * One broker process for bench/broker-connections: the broker alone (disk
 * persistence, as `npm start` runs it), so its resident memory is the
 * broker's. Reports its port, then answers "measure" with its memory.
 */
const databaseUrl = process.env.DATABASE_URL
const dataDir = process.env.BENCH_BROKER_DIR
if (!databaseUrl || !dataDir || !process.send) throw new Error('run by broker-connections.js')

const pool = createPool(databaseUrl, { max: 4, applicationName: 'bench-broker' })
const broker = await createBroker({
  db: pool, logger: pino({ level: 'warn' }), serviceSecret: 'bench-broker-secret-0123456789abcdef', mode: 'demo', persistenceDir: dataDir,
  // the bench connects thousands of gateways from one address, none of them twice
  limits: { maxFailedLoginsPerAddress: 1_000_000 },
})
const port = await broker.listen(0, '127.0.0.1')
const gc = (globalThis as { gc?: () => void }).gc
process.send({ ready: port })
process.on('message', (message: { measure?: boolean; stop?: boolean }) => {
  if (message.measure) {
    gc?.()
    const m = process.memoryUsage()
    process.send?.({ rss: m.rss, heapUsed: m.heapUsed, connectedGateways: broker.stats().connectedGateways })
  } else if (message.stop) {
    void broker.close().then(() => pool.end()).then(() => process.exit(0))
  }
})
