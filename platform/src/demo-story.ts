import type { DemoHome, DemoStory } from '@varde/db'
import { EPISODE_KINDS, type Episode, type EpisodeKind } from '@varde/device-sim'

/** A demo home with the shift's story, if it has one (@varde/db demo-shift.ts). */
export type StoryHome = DemoHome & { story?: DemoStory }

/**
 * The story told as the simulator's worsening episodes: the same start for the
 * history and the live feed (both given the same `now`), so the readings of
 * the last days and those of the next minutes are one course.
 */
export function storyEpisodes(home: StoryHome, now: Date): Episode[] {
  return (home.story?.episodes ?? []).flatMap((e) =>
    isEpisodeKind(e.kind) ? [{ kind: e.kind, start: new Date(now.getTime() - e.daysAgo * 86_400_000), rampMs: 86_400_000, severity: e.severity }] : [])
}

/**
 * When the home measures nothing (a hospital stay; a gateway silent since
 * last night), from … until (null: still); these readings are not in the
 * history and the home is not in the live feed while it lasts.
 */
export function storySilence(home: StoryHome, now: Date): { from: Date; until: Date | null } | null {
  const story = home.story
  if (story?.pause) {
    return { from: new Date(now.getTime() - story.pause.daysAgo * 86_400_000), until: new Date(now.getTime() + (story.pause.days - story.pause.daysAgo) * 86_400_000) }
  }
  if (story?.silentSinceYesterdayHour !== undefined) {
    const from = new Date(now)
    from.setDate(from.getDate() - 1)
    from.setHours(story.silentSinceYesterdayHour, 0, 0, 0)
    // the morning after must be over (heart failure's weight by 10:00, profiles.ts), so the story's missed measurement
    // is there at any hour the demo starts: before 10:00 the silence began the night before yesterday
    const morning = new Date(from)
    morning.setDate(morning.getDate() + 1)
    morning.setHours(MORNING_DEADLINE_HOUR, 0, 0, 0)
    if (morning.getTime() > now.getTime()) from.setDate(from.getDate() - 1)
    return { from, until: null }
  }
  return null
}

/** The heart-failure profile's morning weight deadline (missed:body-weight, 10:00). */
const MORNING_DEADLINE_HOUR = 10

const isEpisodeKind = (kind: string): kind is EpisodeKind => (EPISODE_KINDS as readonly string[]).includes(kind)
