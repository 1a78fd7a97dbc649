import type { MyAnswer, MyPage } from '@varde/api-contract'
import { CAT_ITEMS, DAILY_ANSWERS } from '@varde/domain'
import { useMutation, useQueryClient } from '@tanstack/react-query'
import { useState, type FormEvent } from 'react'
import { sendMyAnswer } from '../api/my-page'
import { queryKeys } from '../api/query-keys'
import { errorText } from '../i18n/error-text'
import { useI18n } from '../i18n/i18n'
import type { MessageKey } from '../i18n/nb'

const MEANING: Record<MyAnswer['severity'], MessageKey> = {
  green: 'myPage.answer.green', yellow: 'myPage.answer.yellow', red: 'myPage.answer.red',
}
const IMPACT: Record<NonNullable<MyAnswer['impact']>, MessageKey> = {
  low: 'myPage.cat.impact.low', medium: 'myPage.cat.impact.medium', high: 'myPage.cat.impact.high', 'very-high': 'myPage.cat.impact.very-high',
}

/** A new id per filled-in form: a re-send of the same form (a lost answer) is stored once. */
const newClientId = (instrument: string) => `${instrument}-${crypto.randomUUID()}`

/**
 * The symptom questionnaires of /min-side (issue 25, ADR 0042): the daily
 * "Hvordan har du det i dag?" for everyone, the CAT for those whose care
 * team judges it (a CAT threshold among their targets: the COPD profile).
 * Each answer is a big radio button (≥ 48 px); after sending, the score and
 * what it means by the patient's own limits.
 */
export function MyQuestionnaires({ page }: { page: MyPage }) {
  const today = new Date().toDateString()
  const answeredToday = page.readings.find((r) => r.type === 'wellbeing' && new Date(r.measuredAt).toDateString() === today)
  const hasCat = page.targets.some((x) => x.vital === 'cat-score')
  return (
    <>
      <DailyQuestion answered={answeredToday?.value ?? null} />
      {hasCat && <CatForm />}
    </>
  )
}

function Result({ answer }: { answer: MyAnswer }) {
  const { t } = useI18n()
  return (
    <div role="status" className={`my-quest__result my-quest__result--${answer.severity}`}>
      <p><strong>{t('myPage.answer.sent', { score: t('myPage.answer.of', { score: String(answer.score), max: answer.instrument === 'cat' ? '40' : '5' }) })}</strong></p>
      {answer.impact && <p>{t(IMPACT[answer.impact])}</p>}
      <p>{t(MEANING[answer.severity])}</p>
    </div>
  )
}

function useSend() {
  const client = useQueryClient()
  return useMutation({
    mutationFn: sendMyAnswer,
    onSuccess: () => client.invalidateQueries({ queryKey: queryKeys.myPage }),
  })
}

function DailyQuestion({ answered }: { answered: number | null }) {
  const { t, language } = useI18n()
  const [value, setValue] = useState<number | null>(null)
  const [clientId] = useState(() => newClientId('daily'))
  const send = useSend()
  const submit = (e: FormEvent) => {
    e.preventDefault()
    if (value !== null) send.mutate({ clientId, instrument: 'daily', answers: [value] })
  }
  return (
    <section className="my-page__card" aria-labelledby="my-daily">
      <h2 id="my-daily">{t('myPage.daily.title')}</h2>
      {send.data ? <Result answer={send.data} /> : answered !== null ? (
        <p>{t('myPage.daily.answered', { answer: DAILY_ANSWERS.find((a) => a.value === answered)?.label[language] ?? String(answered) })}</p>
      ) : (
        <form onSubmit={submit}>
          <fieldset className="my-quest__scale">
            <legend>{t('myPage.daily.legend')}</legend>
            {[...DAILY_ANSWERS].reverse().map((a) => (
              <label key={a.value} className="my-quest__option">
                <input type="radio" name="daily" value={a.value} checked={value === a.value} onChange={() => setValue(a.value)} />
                <span>{a.value} – {a.label[language]}</span>
              </label>
            ))}
          </fieldset>
          {send.error && <p role="alert" className="my-page__warning">{errorText(send.error, t)}</p>}
          <button type="submit" className="my-page__button my-quest__send" disabled={value === null || send.isPending}>{t('myPage.daily.send')}</button>
        </form>
      )}
    </section>
  )
}

function CatForm() {
  const { t, language } = useI18n()
  const [values, setValues] = useState<(number | null)[]>(() => CAT_ITEMS.map(() => null))
  const [clientId, setClientId] = useState(() => newClientId('cat'))
  const send = useSend()
  const isComplete = values.every((v) => v !== null)
  const submit = (e: FormEvent) => {
    e.preventDefault()
    if (isComplete) send.mutate({ clientId, instrument: 'cat', answers: values as number[] })
  }
  return (
    <section className="my-page__card" aria-labelledby="my-cat">
      <h2 id="my-cat">{t('myPage.cat.title')}</h2>
      {send.data ? (
        <>
          <Result answer={send.data} />
          <button type="button" className="my-page__button" onClick={() => { send.reset(); setValues(CAT_ITEMS.map(() => null)); setClientId(newClientId('cat')) }}>
            {t('myPage.cat.again')}
          </button>
        </>
      ) : (
        <form onSubmit={submit}>
          <p>{t('myPage.cat.intro')}</p>
          {CAT_ITEMS.map((item, i) => (
            // the two anchors are the item's description: read with the group, shown once, 0 left and 5 right
            <fieldset key={item.key} className="my-quest__item" aria-describedby={`cat-anchors-${item.key}`}>
              <legend>{t('myPage.cat.item', { n: String(i + 1), of: String(CAT_ITEMS.length) })}</legend>
              <p className="my-quest__anchors" id={`cat-anchors-${item.key}`}><span>0: {item.low[language]}</span> <span>5: {item.high[language]}</span></p>
              <div className="my-quest__row">
                {[0, 1, 2, 3, 4, 5].map((n) => (
                  <label key={n} className="my-quest__option my-quest__option--small">
                    <input type="radio" name={`cat-${item.key}`} value={n} checked={values[i] === n}
                      onChange={() => setValues((old) => old.map((v, k) => (k === i ? n : v)))} />
                    <span>{n}</span>
                  </label>
                ))}
              </div>
            </fieldset>
          ))}
          {send.error && <p role="alert" className="my-page__warning">{errorText(send.error, t)}</p>}
          <button type="submit" className="my-page__button my-quest__send" disabled={!isComplete || send.isPending}>{t('myPage.cat.send')}</button>
        </form>
      )}
    </section>
  )
}
