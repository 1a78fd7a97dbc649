import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'

/** What the receiver saw (medplum-receiver.mjs). */
export interface ReceiverState {
  batches: number
  refused503: number
  invalid: { entry: number; resourceType?: string; message: string }[]
  plan: string[]
  firstBatchAt: string | null
  arrivals: { at: string; types: string[]; identifiers: string[] }[]
}

export interface MedplumReceiver {
  url: string
  state(): Promise<ReceiverState>
  /** The next batches answer 503, one per step: 'refuse' before storing, 'lose-answer' after storing (the answer lost on the way). */
  failNext(plan: ('refuse' | 'lose-answer')[]): Promise<void>
  /** POSTs a batch Bundle as a sender would; the answer's status. */
  post(bundle: unknown): Promise<number>
  /** A FHIR search on the receiver, e.g. `Flag?identifier=…`: its matching resources. */
  search(query: string): Promise<Record<string, unknown>[]>
  stop(): Promise<void>
}

/** Starts the Medplum-based receiver in a process of its own (Node 20 needs --experimental-websocket for @medplum/core). */
export async function startMedplumReceiver(): Promise<MedplumReceiver> {
  const script = fileURLToPath(new URL('./medplum-receiver.mjs', import.meta.url))
  const child: ChildProcess = spawn(process.execPath, ['--experimental-websocket', '--no-warnings', script], {
    stdio: ['pipe', 'pipe', 'inherit'], // stdin: the receiver exits when it closes (this process gone)
    cwd: fileURLToPath(new URL('..', import.meta.url)),
  })
  const lines = createInterface({ input: child.stdout! })
  const exited = once(child, 'exit').then(([code]) => { throw new Error(`the Medplum receiver exited (${String(code)}) before it listened`) })
  const first = new Promise<string>((resolve) => lines.once('line', resolve))
  const { url } = JSON.parse(await Promise.race([first, exited])) as { url: string }
  const control = url.replace(/\/fhir$/, '')
  return {
    url,
    state: async () => (await (await fetch(`${control}/_test/state`)).json()) as ReceiverState,
    async failNext(plan) {
      await fetch(`${control}/_test/fail`, { method: 'POST', body: JSON.stringify({ plan }) })
    },
    async post(bundle) {
      const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/fhir+json' }, body: JSON.stringify(bundle) })
      await res.arrayBuffer()
      return res.status
    },
    async search(query) {
      const bundle = (await (await fetch(`${url}/${query}`)).json()) as { entry?: { resource: Record<string, unknown> }[] }
      return (bundle.entry ?? []).map((e) => e.resource)
    },
    async stop() {
      if (child.exitCode !== null) return
      child.kill('SIGTERM')
      await once(child, 'exit')
    },
  }
}
