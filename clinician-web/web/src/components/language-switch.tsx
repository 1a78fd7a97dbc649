import { LANGUAGE_NAMES, LANGUAGES, useI18n } from '../i18n/i18n'

/** Each language named in itself and marked with its own lang, so a screen reader pronounces it right. */
export function LanguageSwitch({ className }: { className?: string }) {
  const { t, language, setLanguage } = useI18n()
  return (
    <div
      role="group"
      aria-label={t('topBar.language')}
      className={['language-switch', className].filter(Boolean).join(' ')}
    >
      {LANGUAGES.map((l) => (
        <button
          key={l}
          type="button"
          lang={l}
          className="language-switch__option"
          aria-pressed={l === language}
          onClick={() => setLanguage(l)}
        >
          {LANGUAGE_NAMES[l]}
        </button>
      ))}
    </div>
  )
}
