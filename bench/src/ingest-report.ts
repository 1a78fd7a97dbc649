import type { PhaseResult, PlatformRun } from './ingest-phase.js'
import type { StageResult } from './ingest-stage.js'

/** Issue 3's goals, on 2 cores. */
export const GOALS = { sustainedPerSecond: 20_000, timesNaive: 10, p99Ms: 100 } as const

export interface IngestBenchResult {
  date: string
  machine: { cpus: number; cpuModel: string; node: string; platform: string; totalMemoryMiB: number }
  settings: { gateways: number; quick: boolean; layout: 'split' | 'shared'; isRulesOn: boolean; latencyRate: number; latencySeconds: number; sustainedSeconds: number }
  varde: PhaseResult
  naive: PhaseResult
  /**
   * Sustained batches of 1 again, in pairs (Varde, then the naive consumer,
   * each on a fresh platform): the ratio within each pair, measured a minute
   * apart, is steadier on a shared machine than that of the phases above,
   * measured minutes apart. Absent when no pairs were run (`--pairs 0`).
   */
  pairs?: PairedRuns
  ratios: {
    /** Varde ÷ naive sustained measurements/s, per sustained stage (batch size). */
    sustained: { batchSize: number; ratio: number | null }[]
    /** naive ÷ Varde p50 and p99 at the fixed rate (above 1: Varde answers sooner); null unless both receipted every batch. */
    latencyP50: number | null
    latencyP99: number | null
    /** Varde ÷ naive peak RSS of all processes under test, on the latency and on the sustained platform. */
    peakRssLatency: number | null
    peakRssSustained: number | null
  }
  goals: {
    /** Best sustained figure of Varde, and whether it reaches the goal. */
    sustained: { best: number; isMet: boolean }
    /** Best ratio to the naive baseline of the phases, the median of the pairs' ratios, and whether it reaches the goal (the median when there are pairs). */
    timesNaive: { best: number; pairedMedian: number | null; isMet: boolean }
    /** p99 at the fixed rate, every batch receipted. */
    p99: { p99: number | null; isMet: boolean }
  }
}

export interface PairedRuns {
  batchSize: number
  /** Sustained measurements/s, pair by pair. */
  varde: number[]
  naive: number[]
  /** Varde ÷ naive, pair by pair. */
  ratios: (number | null)[]
  medianRatio: number | null
}

/** The pairs' figures, their ratios and the median ratio. */
export function pairRuns(batchSize: number, varde: number[], naive: number[]): PairedRuns {
  const ratios = varde.map((v, i) => ratio(v, naive[i]))
  const known = ratios.filter((r): r is number => r !== null).sort((a, b) => a - b)
  const mid = Math.floor(known.length / 2)
  const medianRatio = known.length === 0 ? null : known.length % 2 ? (known[mid] as number) : Math.round((((known[mid - 1] as number) + (known[mid] as number)) / 2) * 100) / 100
  return { batchSize, varde, naive, ratios, medianRatio }
}

const ratio = (a: number | undefined | null, b: number | undefined | null): number | null =>
  a && b ? Math.round((a / b) * 100) / 100 : null

/** Peak RSS (VmHWM) of all processes under test of one platform run, summed. */
export const totalPeakRss = (run: PlatformRun): number => run.processes.reduce((s, x) => s + x.peakRssBytes, 0)

export function summarize(base: Omit<IngestBenchResult, 'ratios' | 'goals'>): IngestBenchResult {
  const { varde, naive } = base
  const sustained = varde.sustained.map((v, i) => ({ batchSize: v.load.batchSize, ratio: ratio(v.acceptedPerSecond, naive.sustained[i]?.acceptedPerSecond) }))
  const p99 = varde.latency.latencyMs?.p99 ?? null
  const best = Math.max(0, ...varde.sustained.map((s) => s.acceptedPerSecond))
  const bestRatio = Math.max(0, ...sustained.map((s) => s.ratio ?? 0))
  // percentiles of the batches that got a receipt say nothing of those that never did: no ratio then
  const isLatencyComparable = varde.latency.unreceipted === 0 && naive.latency.unreceipted === 0
  return {
    ...base,
    ratios: {
      sustained,
      latencyP50: isLatencyComparable ? ratio(naive.latency.latencyMs?.p50, varde.latency.latencyMs?.p50) : null,
      latencyP99: isLatencyComparable ? ratio(naive.latency.latencyMs?.p99, varde.latency.latencyMs?.p99) : null,
      peakRssLatency: ratio(totalPeakRss(varde.runs.latency), totalPeakRss(naive.runs.latency)),
      peakRssSustained: ratio(totalPeakRss(varde.runs.sustained), totalPeakRss(naive.runs.sustained)),
    },
    goals: {
      sustained: { best, isMet: best >= GOALS.sustainedPerSecond },
      timesNaive: {
        best: bestRatio,
        pairedMedian: base.pairs?.medianRatio ?? null,
        isMet: (base.pairs ? (base.pairs.medianRatio ?? 0) : bestRatio) >= GOALS.timesNaive,
      },
      // every batch of the latency stage must have had its receipt, or p99 would hide the lost ones
      p99: { p99, isMet: p99 !== null && p99 < GOALS.p99Ms && varde.latency.unreceipted === 0 },
    },
  }
}

const int = (x: number) => Math.round(x).toLocaleString('en-US')
const ms = (x: number | undefined) => (x === undefined ? '-' : x.toFixed(1))
const mib = (bytes: number) => (bytes / 1024 / 1024).toFixed(0)
const times = (x: number | null) => (x === null ? '-' : `${x.toFixed(1)}×`)
/** A percentile of the receipted batches, starred when some batches never got a receipt (footnote). */
const latency = (s: StageResult, p: 'p50' | 'p99') => `${s.unreceipted > 0 ? '*' : ''}${ms(s.latencyMs?.[p])}`
const usage = (s: StageResult) => s.usage.map((x) => `${x.name} ${x.cpuPercent ?? '-'}%`).join(', ')

/** The human table: both contenders, the ratios, the goals. */
export function formatReport(r: IngestBenchResult): string {
  const { varde, naive } = r
  const rate = int(r.settings.latencyRate)
  const rows: [string, string, string, string][] = [
    ['', 'Varde ingest', 'naive (1 INSERT/msg)', 'ratio'],
    ...varde.sustained.map((v, i): [string, string, string, string] => {
      const n = naive.sustained[i]
      const load = v.load.kind === 'saturate' ? `${v.load.inFlightPerGateway} in flight per gateway` : ''
      return [`sustained measurements/s, batches of ${v.load.batchSize} (${load})`, int(v.acceptedPerSecond), n ? int(n.acceptedPerSecond) : '-', times(r.ratios.sustained[i]?.ratio ?? null)]
    }),
    [`latency p50 at ${rate} msg/s (batches of 1), ms`, latency(varde.latency, 'p50'), latency(naive.latency, 'p50'), times(r.ratios.latencyP50)],
    [`latency p99 at ${rate} msg/s (batches of 1), ms`, latency(varde.latency, 'p99'), latency(naive.latency, 'p99'), times(r.ratios.latencyP99)],
    [`  accepted/s while offered ${rate}/s`, int(varde.latency.acceptedPerSecond), int(naive.latency.acceptedPerSecond), ''],
    [`peak RSS, ${rate} msg/s platform, MiB`, mib(totalPeakRss(varde.runs.latency)), mib(totalPeakRss(naive.runs.latency)), times(r.ratios.peakRssLatency)],
    ['peak RSS, sustained platform, MiB', mib(totalPeakRss(varde.runs.sustained)), mib(totalPeakRss(naive.runs.sustained)), times(r.ratios.peakRssSustained)],
  ]
  const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.map((row) => row[i]?.length ?? 0)))
  const line = (row: string[]) => row.map((cell, i) => (i === 0 ? cell.padEnd(widths[0] ?? 0) : cell.padStart(widths[i] ?? 0))).join('   ')
  const mark = (ok: boolean) => (ok ? 'met' : 'MISSED')
  const contenders = [varde, naive]
  const errorNotes = contenders.flatMap((p) => {
    const samples = [p.latency, ...p.sustained].flatMap((s) => s.errorSamples)
    return samples.length ? [`  ${p.contender}: ${samples.slice(0, 3).join('; ')}`] : []
  })
  return [
    `Varde ingest bench, ${r.date}: ${r.machine.cpus} cores (${r.machine.cpuModel}), Node ${r.machine.node}, ${r.settings.gateways} gateways, ` +
      `layout ${r.settings.layout}, Varde's rules worker ${r.settings.isRulesOn ? 'on' : 'off'}` +
      (r.settings.quick ? ', QUICK run (figures not comparable)' : ''),
    '',
    ...rows.map(line),
    ...(varde.latency.unreceipted > 0 || naive.latency.unreceipted > 0
      ? [`* of the batches receipted by the end of the drain only (${contenders.map((p) => `${p.contender} ${int(p.latency.unreceipted)} without a receipt`).join(', ')}): no ratio`]
      : []),
    '',
    'CPU while measuring (100% = one core):',
    ...contenders.flatMap((p) => [
      `  ${p.contender}, ${rate}/s: ${usage(p.latency)}`,
      ...p.sustained.map((s) => `  ${p.contender}, sustained batches of ${s.load.batchSize}: ${usage(s)}`),
    ]),
    `peak RSS by process (${rate}/s platform / sustained platform): ` +
      contenders.flatMap((p) => p.runs.latency.processes.map((x, i) =>
        `${p.contender} ${x.name} ${mib(x.peakRssBytes)} / ${mib(p.runs.sustained.processes[i]?.peakRssBytes ?? 0)} MiB`)).join(', '),
    `batches without a receipt (${rate}/s after the drain; sustained at the end of the window) and re-sent after the gateway's receipt timeout: ` +
      contenders.map((p) => `${p.contender} ${[p.latency, ...p.sustained].map((s) => `${s.unreceipted}/${s.resends}`).join(', ')}`).join('; '),
    `readings stored on the sustained platform: ${contenders.map((p) => `${p.contender} ${int(p.runs.sustained.storedReadings)}`).join(', ')}`,
    ...errorNotes,
    ...(r.pairs ? [
      '',
      `paired runs, sustained batches of ${r.pairs.batchSize} (Varde, then naive, each on a fresh platform), measurements/s:`,
      ...r.pairs.varde.map((v, i) => `  pair ${i + 1}: Varde ${int(v)}, naive ${int(r.pairs?.naive[i] ?? 0)}: ${times(r.pairs?.ratios[i] ?? null)}`),
      `  median ratio ${times(r.pairs.medianRatio)}`,
      '',
    ] : []),
    `goals: ≥ ${int(GOALS.sustainedPerSecond)}/s sustained ${mark(r.goals.sustained.isMet)} (best ${int(r.goals.sustained.best)}/s); ` +
      `≥ ${GOALS.timesNaive}× naive ${mark(r.goals.timesNaive.isMet)} (` +
      (r.goals.timesNaive.pairedMedian !== null ? `median of the pairs ${times(r.goals.timesNaive.pairedMedian)}, ` : '') +
      `best of the phases ${times(r.goals.timesNaive.best)}); ` +
      `p99 < ${GOALS.p99Ms} ms at ${rate} msg/s ${mark(r.goals.p99.isMet)}`,
  ].join('\n')
}
