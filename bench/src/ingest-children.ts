import { spawn, type ChildProcess } from 'node:child_process'
import { createWriteStream, readFileSync } from 'node:fs'
import { createServer } from 'node:net'

/**
 * The processes under test in `npm run bench:ingest`: spawned, awaited on a
 * line of their output (never a sleep), measured from /proc, and killed when
 * the bench ends, fails or is interrupted.
 */
export interface BenchChild {
  name: string
  pid: number
  /** The last lines it wrote, for an error message. */
  tail(): string
  /** SIGTERM, then SIGKILL when it has not exited after `graceMs` (0: SIGKILL at once). */
  stop(graceMs?: number): Promise<void>
  /** Resolves with its exit code once it has exited. */
  exited: Promise<number | null>
}

const live = new Set<ChildProcess>()
let isCleanupInstalled = false

function installCleanup(): void {
  if (isCleanupInstalled) return
  isCleanupInstalled = true
  process.on('exit', () => {
    for (const child of live) child.kill('SIGKILL')
  })
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      for (const child of live) child.kill('SIGKILL')
      process.exit(130)
    })
  }
}

export interface SpawnOptions {
  name: string
  script: string
  env: NodeJS.ProcessEnv
  /** The child is ready when a line of its stdout contains this. */
  readyText: string
  /** Bound on the start; a child that never says it is ready fails the bench. Default 90 s. */
  startTimeoutMs?: number
  execArgv?: string[]
  /** Also writes everything the child prints to this file (`--logs`). */
  logFile?: string | undefined
  /** Sees every line the child prints, after start-up too (the soak counts error lines). */
  onLine?: (line: string) => void
}

/** Spawns `node script` and resolves once it printed `readyText`; rejects if it exits first. */
export function spawnUntilReady(options: SpawnOptions): Promise<BenchChild> {
  installCleanup()
  const child = spawn(process.execPath, [...(options.execArgv ?? []), options.script], {
    env: options.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  live.add(child)
  if (options.logFile) {
    const file = createWriteStream(options.logFile)
    child.stdout?.pipe(file)
    child.stderr?.pipe(file)
  }
  const lines: string[] = []
  let pendingLine = ''
  const exited = new Promise<number | null>((resolve) => {
    child.once('close', (code) => {
      live.delete(child)
      resolve(code)
    })
  })
  const handle: BenchChild = {
    name: options.name,
    pid: child.pid ?? -1,
    tail: () => lines.slice(-15).join('\n'),
    exited,
    async stop(graceMs = 10_000) {
      if (!live.has(child)) return
      if (graceMs === 0) {
        child.kill('SIGKILL')
        await exited
        return
      }
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs)
      await exited
      clearTimeout(timer)
    },
  }
  return new Promise((resolve, reject) => {
    let isReady = false
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`${options.name} did not start within ${(options.startTimeoutMs ?? 90_000) / 1000} s:\n${handle.tail()}`))
    }, options.startTimeoutMs ?? 90_000)
    const onData = (chunk: Buffer) => {
      const text = pendingLine + chunk.toString('utf8')
      const parts = text.split('\n')
      pendingLine = parts.pop() ?? ''
      for (const line of parts) {
        options.onLine?.(line)
        lines.push(line.length > 400 ? `${line.slice(0, 400)}…` : line)
        if (lines.length > 200) lines.splice(0, 100)
        if (!isReady && line.includes(options.readyText)) {
          isReady = true
          clearTimeout(timer)
          resolve(handle)
        }
      }
    }
    child.stdout?.on('data', onData)
    child.stderr?.on('data', onData)
    void exited.then((code) => {
      clearTimeout(timer)
      if (!isReady) reject(new Error(`${options.name} exited (${code}) before it was ready:\n${handle.tail()}`))
    })
  })
}

/** A free loopback port (the kernel's choice, released at once for the child to take). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address ? address.port : 0
      server.close(() => resolve(port))
    })
  })
}

export interface ProcessSample {
  /** Resident memory now, and its high-water mark since the process started (VmHWM), bytes. */
  rssBytes: number
  peakRssBytes: number
  /** User + system CPU time used so far, s. */
  cpuSeconds: number
}

// USER_HZ: the unit of utime/stime in /proc/<pid>/stat; 100 on every Linux ABI Node runs on
const CLOCK_TICKS_PER_SECOND = 100

/** Memory and CPU of a process from /proc (Linux); null once it is gone. */
export function sampleProcess(pid: number): ProcessSample | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8')
    const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024
    // fields after the parenthesised command name, which may itself contain spaces
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    const ticks = Number(fields[11]) + Number(fields[12]) // utime, stime (fields 14 and 15 of proc(5))
    return { rssBytes: kib('VmRSS'), peakRssBytes: kib('VmHWM'), cpuSeconds: ticks / CLOCK_TICKS_PER_SECOND }
  } catch {
    return null
  }
}
