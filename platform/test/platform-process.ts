import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

/**
 * The built platform (`npm start`'s platform/dist/main.js) as its own
 * process, as an operator runs it: its banner read for the URLs it prints,
 * its log (pino, one JSON object a line) kept for the test to read.
 */
export const PLATFORM_MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url))

export interface PlatformProcess {
  child: ChildProcess
  httpUrl: string
  mqttUrl: string
  databaseUrl: string
  /** Every line the process wrote to stdout so far. */
  output(): string
  /** The log lines (JSON) so far, parsed. */
  logLines(): Record<string, unknown>[]
  /** Resolves once the process has exited (and its pipes closed), with the time that took from `since`. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
}

export async function startPlatformProcess(env: NodeJS.ProcessEnv): Promise<PlatformProcess> {
  if (!existsSync(PLATFORM_MAIN)) throw new Error(`${PLATFORM_MAIN} is missing: build first (npm run build)`)
  const child = spawn(process.execPath, [PLATFORM_MAIN], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] })
  let out = ''
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('close', (code, signal) => resolve({ code, signal }))
  })
  await new Promise<void>((resolve, reject) => {
    const onExit = () => reject(new Error(`the platform exited before it was running: ${out}`))
    child.once('exit', onExit)
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString()
      if (out.includes('Stop with Ctrl-C.')) {
        child.removeListener('exit', onExit)
        resolve()
      }
    })
  })
  const banner = (label: string) => {
    const match = new RegExp(`^\\s*${label}:\\s+(\\S+)`, 'm').exec(out)
    if (!match?.[1]) throw new Error(`the banner names no ${label}: ${out}`)
    return match[1]
  }
  return {
    child,
    httpUrl: banner('Portal').replace(/\/$/, ''),
    mqttUrl: banner('MQTT'),
    databaseUrl: banner('Database'),
    output: () => out,
    logLines: () => out.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>),
    exited,
  }
}
