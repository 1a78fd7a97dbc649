import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort } from '../ingest-children.js'
import { SoakPlatform, type ProcessName } from './soak-platform.js'

/**
 * Issue 14's memory soak: the platform as deployed (database, broker,
 * ingest, server and the demo simulator each a process), the simulator's
 * load at `speed` × the demo rate (VARDE_SIMULATOR_INTERVAL_S = 20 / speed,
 * after its 14 days of history), a nurse's live event stream open, for
 * `minutes`. Each process's memory is sampled after a garbage collection
 * (memory-probe.ts) every minute; the report gives the sample at 5 minutes
 * (start-up over) and at the end. A live heap that keeps growing after
 * start-up is a leak: the soak is not clean then.
 */
export interface MemoryOptions {
  minutes: number
  /** Multiple of the demo rate (one set of measurements per home per 20 s). */
  speed: number
  logPrefix?: string | undefined
  onProgress?: (line: string) => void
}

export interface MemorySample {
  minute: number
  rssMiB: number
  heapUsedMiB: number
  externalMiB: number
}

export interface MemoryReport {
  settings: { minutes: number; speed: number; simulatorIntervalSeconds: number }
  /** Samples by process, one a minute. */
  samples: Record<string, MemorySample[]>
  /** The minute the report compares the end with (5, or less on a shorter run). */
  baselineMinute: number
  /** Processes whose live heap grew past the allowance from the baseline to the end. */
  growing: string[]
  liveEvents: number
  errorLines: string[]
  isClean: boolean
}

const DEMO_INTERVAL_S = 20
const PROCESSES: Exclude<ProcessName, 'whole'>[] = ['database', 'broker', 'ingest', 'server', 'simulator']
/** Growth of the live heap allowed after start-up: a fifth of it and 8 MiB (caches warming, JIT), nothing that rises without end. */
const ALLOWED_GROWTH = { ratio: 0.2, mib: 8 }
const PROBE = join(import.meta.dirname, 'memory-probe.js')

export async function runMemorySoak(options: MemoryOptions): Promise<MemoryReport> {
  const say = options.onProgress ?? (() => undefined)
  const dataDir = mkdtempSync(join(tmpdir(), 'varde-memory-soak-'))
  const waiters = new Map<ProcessName, (line: string) => void>()
  const intervalS = DEMO_INTERVAL_S / options.speed
  const platform = new SoakPlatform({
    dataDir, serviceSecret: 'soak-memory-secret-0123456789abcdef', logPrefix: options.logPrefix,
    ports: { mqtt: await freePort(), http: await freePort(), db: await freePort() },
    execArgv: ['--expose-gc', '--import', PROBE],
    env: { VARDE_SIMULATOR: 'on', VARDE_SIMULATOR_INTERVAL_S: String(intervalS) },
    onLine: (name, line) => {
      if (line.includes('"event":"memory-sample"')) waiters.get(name)?.(line)
    },
  })
  const samples: Record<string, MemorySample[]> = Object.fromEntries(PROCESSES.map((p) => [p, []]))
  let stream: AbortController | undefined
  try {
    say(`starting database, broker, ingest, server and simulator (every ${intervalS} s per home, ${options.speed}× the demo rate)`)
    for (const name of PROCESSES) await platform.startPart(name)
    const live = await openLiveEvents(platform.httpUrl)
    stream = live.abort
    const began = Date.now()
    const minutes = options.minutes
    for (let minute = 1; minute <= Math.ceil(minutes); minute++) {
      // the soak's own pacing: one sample a minute
      await new Promise((r) => setTimeout(r, Math.max(0, began + Math.min(minute, minutes) * 60_000 - Date.now())))
      const at = Math.min(minute, minutes)
      for (const child of platform.processes()) {
        const name = child.name as ProcessName
        const line = await new Promise<string>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`${name} gave no memory sample within 30 s`)), 30_000)
          waiters.set(name, (l) => {
            clearTimeout(timer)
            waiters.delete(name)
            resolve(l)
          })
          process.kill(child.pid, 'SIGUSR2')
        })
        const m = JSON.parse(line) as { rss: number; heapUsed: number; external: number }
        samples[name]?.push({ minute: at, rssMiB: mib(m.rss), heapUsedMiB: mib(m.heapUsed), externalMiB: mib(m.external) })
      }
      say(`minute ${at}: ${PROCESSES.map((p) => { const s = samples[p]?.at(-1); return s ? `${p} rss ${s.rssMiB} heap ${s.heapUsedMiB}` : `${p} -` }).join(' | ')}; ${live.count()} live events`)
    }
    const baselineMinute = Math.min(5, Math.max(1, Math.floor(minutes / 2)))
    const growing = PROCESSES.filter((p) => {
      const list = samples[p] ?? []
      const base = list.find((s) => s.minute >= baselineMinute)
      const end = list.at(-1)
      return base && end && end.heapUsedMiB > base.heapUsedMiB * (1 + ALLOWED_GROWTH.ratio) + ALLOWED_GROWTH.mib
    })
    const errorLines = platform.errors.map((e) => `${e.process}: ${e.line}`)
    return {
      settings: { minutes, speed: options.speed, simulatorIntervalSeconds: intervalS },
      samples, baselineMinute, growing, liveEvents: live.count(), errorLines: errorLines.slice(0, 10),
      isClean: growing.length === 0 && errorLines.length === 0 && live.count() > 0,
    }
  } finally {
    stream?.abort()
    await platform.stop()
    rmSync(dataDir, { recursive: true, force: true })
  }
}

/** The portal's live stream as the demo nurse sees it, counted: the server's SSE path is part of the load. */
async function openLiveEvents(httpUrl: string): Promise<{ abort: AbortController; count(): number }> {
  const login = await fetch(`${httpUrl}/api/session`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'sykepleier', password: 'demo' }),
  })
  if (login.status !== 204) throw new Error(`login failed: ${login.status}`)
  const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] ?? ''
  const abort = new AbortController()
  const response = await fetch(`${httpUrl}/api/events`, { headers: { cookie, accept: 'text/event-stream' }, signal: abort.signal })
  if (!response.ok || !response.body) throw new Error(`live events: ${response.status}`)
  let events = 0
  void (async () => {
    const decoder = new TextDecoder()
    try {
      for await (const chunk of response.body as AsyncIterable<Uint8Array>) events += (decoder.decode(chunk, { stream: true }).match(/^event: /gm) ?? []).length
    } catch {
      // aborted at the end
    }
  })()
  return { abort, count: () => events }
}

const mib = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10

export function formatMemoryReport(r: MemoryReport): string {
  const at = (p: string, minute: number) => (r.samples[p] ?? []).find((s) => s.minute >= minute)
  const end = r.settings.minutes
  const cell = (s: MemorySample | undefined) => (s ? `rss ${s.rssMiB} MiB, heap ${s.heapUsedMiB} MiB, external ${s.externalMiB} MiB` : '-')
  return [
    `memory soak: ${r.isClean ? 'CLEAN' : 'FAILED'}: ${r.settings.minutes} min, simulator every ${r.settings.simulatorIntervalSeconds} s per home (${r.settings.speed}× the demo rate), ${r.liveEvents} live events seen`,
    ...PROCESSES.map((p) => `  ${p.padEnd(9)} at ${r.baselineMinute} min: ${cell(at(p, r.baselineMinute))}\n  ${' '.repeat(9)} at ${end} min: ${cell(r.samples[p]?.at(-1))}`),
    `  live heap growing after start-up: ${r.growing.length ? r.growing.join(', ') : 'none'}`,
    ...r.errorLines.map((e) => `  error: ${e}`),
  ].join('\n')
}
