import type { Episode } from '@varde/api-contract'
import { useCallback, useEffect, useRef, useState } from 'react'
import { decideAlarm, type AlarmPermission } from './red-episode-alarm'

/**
 * The browser's side of the red-episode alarm (red-episode-alarm.ts decides):
 * a Notification (permission asked only from the nurse's click, never on
 * load: browsers refuse or nag otherwise), and a short tone made with Web
 * Audio (no sound file to ship or fetch) when the nurse turned sound on; that
 * choice is kept in this browser. The notification names no patient and no
 * value: it may show on a locked screen or a shared desk.
 */

export const SOUND_STORAGE_KEY = 'varde.alarm.sound'

const permissionNow = (): AlarmPermission =>
  typeof Notification === 'undefined' ? 'unsupported' : Notification.permission

function playTone(): void {
  const AudioContextClass = window.AudioContext as typeof AudioContext | undefined
  if (!AudioContextClass) return
  const context = new AudioContextClass()
  const oscillator = context.createOscillator()
  const gain = context.createGain()
  oscillator.frequency.value = 880
  gain.gain.setValueAtTime(0.2, context.currentTime)
  gain.gain.exponentialRampToValueAtTime(0.001, context.currentTime + 0.6)
  oscillator.connect(gain).connect(context.destination)
  oscillator.start()
  oscillator.stop(context.currentTime + 0.6)
  oscillator.onended = () => void context.close()
}

export interface RedEpisodeAlarm {
  permission: AlarmPermission
  isSoundOn: boolean
  askPermission(): Promise<void>
  setSoundOn(on: boolean): void
}

/** Watches the inbox's episodes; `text(count)` is the notification's body in the reader's language. */
export function useRedEpisodeAlarm(episodes: readonly Episode[] | undefined, title: string, text: (count: number) => string): RedEpisodeAlarm {
  const [permission, setPermission] = useState<AlarmPermission>(permissionNow)
  const [isSoundOn, setSound] = useState(() => localStorage.getItem(SOUND_STORAGE_KEY) === 'on')
  const previous = useRef<readonly Episode[] | undefined>(undefined)
  const seenRed = useRef(new Set<string>())

  useEffect(() => {
    if (!episodes) return
    const alarm = decideAlarm(previous.current, episodes, {
      isHidden: document.visibilityState === 'hidden', permission: permissionNow(), isSoundOn,
    }, seenRed.current)
    previous.current = episodes
    for (const e of episodes) if (e.severity === 'red') for (const a of e.alerts) seenRed.current.add(a.id)
    if (alarm.notify) {
      const notification = new Notification(title, { body: text(alarm.arrived.length), tag: 'varde-red-episode' })
      notification.onclick = () => { window.focus(); notification.close() }
    }
    if (alarm.sound) playTone()
  }, [episodes, isSoundOn, title, text])

  const askPermission = useCallback(async () => {
    if (typeof Notification === 'undefined') return
    setPermission(await Notification.requestPermission())
  }, [])

  const setSoundOn = useCallback((on: boolean) => {
    localStorage.setItem(SOUND_STORAGE_KEY, on ? 'on' : 'off')
    setSound(on)
    if (on) playTone() // the click is the user gesture browsers need before a page may play sound; and the nurse hears it
  }, [])

  return { permission, isSoundOn, askPermission, setSoundOn }
}
