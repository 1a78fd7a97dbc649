import {
  createContext,
  Fragment,
  useCallback,
  useContext,
  useEffect,
  useMemo,
  useState,
  type ReactNode,
} from 'react'
import { en } from './en'
import { formatNumber } from './format'
import { nb, type MessageKey, type Messages } from './nb'

export type Language = 'nb' | 'en'

export const LANGUAGES: readonly Language[] = ['nb', 'en']
export const MESSAGES: Readonly<Record<Language, Messages>> = { nb, en }
const LOCALES: Readonly<Record<Language, string>> = { nb: 'nb-NO', en: 'en-GB' }
/** Each language named in itself, for the switch. */
export const LANGUAGE_NAMES: Readonly<Record<Language, string>> = { nb: 'Norsk', en: 'English' }

export const LANGUAGE_STORAGE_KEY = 'varde.language'

type PluralBase<K> = K extends `${infer Base}.one` ? Base : never
export type PluralKey = PluralBase<MessageKey>
export type Vars = Record<string, string | number>

export interface I18n {
  language: Language
  /** BCP 47 locale for Intl: nb-NO or en-GB. */
  locale: string
  t(key: MessageKey, vars?: Vars): string
  /** Plural form of `key.one` / `key.other`, with `{count}` filled in. */
  tp(key: PluralKey, count: number, vars?: Vars): string
  /** Like t, with React nodes in the placeholders ("Sist sett {time}" with a <time> element). */
  tx(key: MessageKey, nodes: Record<string, ReactNode>): ReactNode
  setLanguage(language: Language): void
}

export function isMessageKey(key: string): key is MessageKey {
  return Object.hasOwn(nb, key)
}

export function interpolate(template: string, vars: Vars | undefined, locale: string): string {
  if (!vars) return template
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => {
    const value = vars[name]
    if (value === undefined) return whole
    return typeof value === 'number'
      ? formatNumber(value, locale, Number.isInteger(value) ? 0 : 1)
      : value
  })
}

export function interpolateNodes(template: string, nodes: Record<string, ReactNode>): ReactNode {
  const parts = template.split(/\{(\w+)\}/)
  // split with a capture group: even indexes are text, odd ones placeholder names
  return parts.map((part, i) => (
    <Fragment key={i}>{i % 2 === 0 ? part : (nodes[part] ?? `{${part}}`)}</Fragment>
  ))
}

export function readStoredLanguage(): Language {
  try {
    const stored = globalThis.localStorage?.getItem(LANGUAGE_STORAGE_KEY)
    return stored === 'en' ? 'en' : 'nb'
  } catch {
    return 'nb'
  }
}

export function makeI18n(language: Language, setLanguage: (language: Language) => void): I18n {
  const messages = MESSAGES[language]
  const locale = LOCALES[language]
  const plural = new Intl.PluralRules(locale)
  return {
    language,
    locale,
    setLanguage,
    t: (key, vars) => interpolate(messages[key], vars, locale),
    tx: (key, nodes) => interpolateNodes(messages[key], nodes),
    tp: (key, count, vars) => {
      const form = plural.select(count) === 'one' ? 'one' : 'other'
      return interpolate(messages[`${key}.${form}` as MessageKey], { count, ...vars }, locale)
    },
  }
}

const I18nContext = createContext<I18n | null>(null)

/** Bokmål unless the user chose English earlier (kept in localStorage); <html lang> follows. */
export function I18nProvider({
  children,
  initialLanguage,
}: {
  children: ReactNode
  initialLanguage?: Language
}) {
  const [language, setLanguageState] = useState<Language>(
    () => initialLanguage ?? readStoredLanguage(),
  )
  const setLanguage = useCallback((next: Language) => {
    setLanguageState(next)
    try {
      globalThis.localStorage?.setItem(LANGUAGE_STORAGE_KEY, next)
    } catch {
      // private mode or storage full: the choice lasts for this page only
    }
  }, [])
  useEffect(() => {
    document.documentElement.lang = language
  }, [language])
  const value = useMemo(() => makeI18n(language, setLanguage), [language, setLanguage])
  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>
}

export function useI18n(): I18n {
  const value = useContext(I18nContext)
  if (!value) throw new Error('useI18n outside I18nProvider')
  return value
}
