/**
 * Episodes: a patient getting worse for a while, on top of their baseline.
 * Each kind moves several vitals together, the way the condition does: a COPD
 * exacerbation lowers SpO2 with a raised pulse and a slight fever; heart
 * failure decompensation is fluid retention, seen first as weight gain
 * (ESC: > 2 kg in 3 days is the classic warning sign).
 */
export const EPISODE_KINDS = [
  'copd-exacerbation',
  'heart-failure-decompensation',
  'hypertensive-episode',
  'hyperglycemia',
  'hypoglycemia',
  'fever',
] as const
export type EpisodeKind = (typeof EPISODE_KINDS)[number]

export function isEpisodeKind(value: unknown): value is EpisodeKind {
  return typeof value === 'string' && (EPISODE_KINDS as readonly string[]).includes(value)
}

export interface Episode {
  kind: EpisodeKind
  start: Date
  /** Time from onset to full effect (and from end back to baseline). Default 2 days. */
  rampMs?: number
  /** How long the full effect lasts before recovery starts; absent: until the end of the simulation. */
  durationMs?: number
  /** 1 is a typical episode; 2 a severe one. */
  severity?: number
}

/** Additive shifts on the patient's vitals, in canonical units. */
export interface VitalShift {
  weightKg: number
  spo2: number
  pulse: number
  systolic: number
  diastolic: number
  temperature: number
  glucose: number
}

export const NO_SHIFT: Readonly<VitalShift> = {
  weightKg: 0, spo2: 0, pulse: 0, systolic: 0, diastolic: 0, temperature: 0, glucose: 0,
}

/** The shift of a typical episode (severity 1) at full effect. */
const FULL_EFFECT: Readonly<Record<EpisodeKind, Partial<VitalShift>>> = {
  'copd-exacerbation': { spo2: -5, pulse: 8, temperature: 0.5 },
  'heart-failure-decompensation': { weightKg: 2.8, spo2: -2, pulse: 6, systolic: 4 },
  'hypertensive-episode': { systolic: 35, diastolic: 15, pulse: 5 },
  hyperglycemia: { glucose: 7 },
  hypoglycemia: { glucose: -4 },
  fever: { temperature: 1.8 },
}

const DEFAULT_RAMP_MS = 2 * 86_400_000

/** 0 before onset, rising smoothly to 1, holding, then falling back to 0 after `durationMs`. */
export function episodeIntensity(episode: Episode, atMs: number): number {
  const ramp = Math.max(1, episode.rampMs ?? DEFAULT_RAMP_MS)
  const since = atMs - episode.start.getTime()
  if (since <= 0) return 0
  const rise = smoothstep(since / ramp)
  if (episode.durationMs === undefined) return rise
  const sinceEnd = since - ramp - episode.durationMs
  return sinceEnd <= 0 ? rise : rise * (1 - smoothstep(sinceEnd / ramp))
}

export function episodeShift(episodes: readonly Episode[], atMs: number): VitalShift {
  const shift: VitalShift = { ...NO_SHIFT }
  for (const episode of episodes) {
    const k = episodeIntensity(episode, atMs) * (episode.severity ?? 1)
    if (k === 0) continue
    for (const [key, value] of Object.entries(FULL_EFFECT[episode.kind]) as [keyof VitalShift, number][]) {
      shift[key] += value * k
    }
  }
  return shift
}

function smoothstep(x: number): number {
  const t = Math.min(1, Math.max(0, x))
  return t * t * (3 - 2 * t)
}
