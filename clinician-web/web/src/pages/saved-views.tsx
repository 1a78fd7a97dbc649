import type { SavedListView } from '@varde/api-contract'
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useId, useState, type FormEvent } from 'react'
import { deleteView, listSavedViews, saveView } from '../api/list-views'
import { queryKeys } from '../api/query-keys'
import { errorText } from '../i18n/error-text'
import { useI18n } from '../i18n/i18n'
import { DEFAULT_VIEW, paramsFromView, stateOf, type ListView } from './patient-list-filters'

const sameState = (a: ListView, b: ListView) =>
  paramsFromView({ ...a, q: '' }).toString() === paramsFromView({ ...b, q: '' }).toString()

/**
 * The user's saved views of the list (issue 20, migration 0034): pick one to open it, save the
 * current filters and sort under a name (the same name replaces), delete the one in use. The
 * search is not saved: a view is a kind of patient.
 */
export function SavedViews({ view, onOpen }: { view: ListView; onOpen: (view: ListView) => void }) {
  const { t } = useI18n()
  const id = useId()
  const queryClient = useQueryClient()
  const [name, setName] = useState('')
  const [notice, setNotice] = useState('')
  const views = useQuery({
    queryKey: queryKeys.listViews,
    queryFn: ({ signal }) => listSavedViews(signal),
  })
  const current = views.data?.find((v) => sameState({ ...DEFAULT_VIEW, ...v.view }, view))
  const refresh = () => queryClient.invalidateQueries({ queryKey: queryKeys.listViews })
  const save = useMutation({
    mutationFn: () => saveView(name.trim(), stateOf(view)),
    onSuccess: async (saved) => {
      setName('')
      setNotice(t('views.saved', { name: saved.name }))
      await refresh()
    },
  })
  const remove = useMutation({
    mutationFn: (v: SavedListView) => deleteView(v.id),
    onSuccess: async (_done, v) => {
      setNotice(t('views.deleted', { name: v.name }))
      await refresh()
    },
  })
  const submit = (e: FormEvent) => {
    e.preventDefault()
    if (name.trim()) save.mutate()
  }
  const failed = save.error ?? remove.error
  return (
    // a labelled region, not a heading: the list's headings are the patients' names
    <section className="saved-views" aria-label={t('views.title')}>
      <div className="field">
        <label htmlFor={`${id}-open`}>{t('views.open')}</label>
        <select
          id={`${id}-open`}
          value={current?.id ?? ''}
          disabled={!views.data || views.data.length === 0}
          onChange={(e) => {
            const chosen = views.data?.find((v) => v.id === e.target.value)
            if (chosen) onOpen({ ...DEFAULT_VIEW, ...chosen.view })
          }}
        >
          <option value="">
            {views.data && views.data.length === 0 ? t('views.none') : t('views.choose')}
          </option>
          {views.data?.map((v) => (
            <option key={v.id} value={v.id}>
              {v.name}
            </option>
          ))}
        </select>
      </div>
      {current && (
        <button
          type="button"
          className="button"
          disabled={remove.isPending}
          onClick={() => remove.mutate(current)}
        >
          {t('views.delete', { name: current.name })}
        </button>
      )}
      <form className="saved-views__save" onSubmit={submit}>
        <div className="field">
          <label htmlFor={`${id}-name`}>{t('views.name')}</label>
          <input
            id={`${id}-name`}
            value={name}
            maxLength={60}
            autoComplete="off"
            onChange={(e) => setName(e.target.value)}
          />
        </div>
        <button type="submit" className="button" disabled={save.isPending || !name.trim()}>
          {t('views.save')}
        </button>
      </form>
      <p className="saved-views__notice" role="status">
        {failed ? errorText(failed, t) : notice}
      </p>
      {views.isError && <p className="notice notice--error">{t('views.loadError')}</p>}
    </section>
  )
}
