import { STAFF_RELATIONS, STAFF_ROLES, type StaffRole, type StaffUser, type StaffUserList } from '@varde/api-contract'
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useEffect, useRef, useState, type FormEvent } from 'react'
import { useSearchParams } from 'react-router'
import { addToTeam, createUser, listUsers, removeFromTeam, resetPassword, updateUser } from '../api/admin'
import { queryKeys } from '../api/query-keys'
import { ConfirmButton, OneTimeSecret } from '../components/one-time-secret'
import { QueryState } from '../components/query-state'
import { errorText } from '../i18n/error-text'
import { isMessageKey, useI18n, type I18n } from '../i18n/i18n'
import { useSignedInSession } from '../session/session-context'
import { usePageTitle } from './use-page-title'
import './admin.css'

/**
 * The tenant administrator's users and roles (issue 17): the staff with their
 * role, whether they may log in and whose care team they are on; a new user
 * with a first password shown once; for the user chosen: role, disable or
 * enable (a disabled user's sessions end at once), a new password, and the
 * patients' care teams they are on.
 */
export function AdminUsersPage() {
  const { t } = useI18n()
  usePageTitle(t('adminUsers.title'))
  const [params, setParams] = useSearchParams()
  const selectedId = params.get('user')
  const list = useQuery({ queryKey: queryKeys.adminUsers, queryFn: ({ signal }) => listUsers(signal) })
  const selected = list.data?.items.find((u) => u.id === selectedId)
  const select = (id: string | null) => setParams(id ? { user: id } : {}, { replace: true })
  // a new user's first password, shown once at the top of their detail
  const [firstPassword, setFirstPassword] = useState<{ id: string; password: string } | null>(null)
  return (
    <div className="page page--admin">
      <div className="page__header">
        <h1 tabIndex={-1}>{t('adminUsers.title')}</h1>
      </div>
      <p className="page__note">{t('adminUsers.intro')}</p>
      <NewUser
        onCreated={(id, password) => {
          setFirstPassword({ id, password })
          select(id)
        }}
      />
      <QueryState query={list} errorMessage={t('adminUsers.loadError')} />
      {list.data && <UserTable users={list.data.items} selectedId={selectedId} onSelect={select} />}
      {selected && list.data && (
        <UserDetail
          key={selected.id}
          user={selected}
          patients={list.data.patients}
          firstPassword={firstPassword?.id === selected.id ? firstPassword.password : null}
          onClose={() => select(null)}
        />
      )}
    </div>
  )
}

function NewUser({ onCreated }: { onCreated: (id: string, password: string) => void }) {
  const { t } = useI18n()
  const queryClient = useQueryClient()
  const [username, setUsername] = useState('')
  const [displayName, setDisplayName] = useState('')
  const [role, setRole] = useState<StaffRole>('nurse')
  const create = useMutation({
    mutationFn: () => createUser({ username: username.trim(), displayName: displayName.trim(), role }),
    onSuccess: (r) => {
      setUsername('')
      setDisplayName('')
      void queryClient.invalidateQueries({ queryKey: queryKeys.adminUsers }).then(() => onCreated(r.id, r.password))
    },
  })
  const submit = (e: FormEvent) => {
    e.preventDefault()
    if (!create.isPending && username.trim() && displayName.trim()) create.mutate()
  }
  return (
    <section className="admin-detail" aria-labelledby="new-user-title">
      <h2 id="new-user-title">{t('adminUsers.newTitle')}</h2>
      {create.isError && (
        <p className="notice notice--error" role="alert">
          {errorText(create.error, t)}
        </p>
      )}
      <form className="inline-form" onSubmit={submit}>
        <div className="field">
          <label htmlFor="new-username">{t('adminUsers.username')}</label>
          <input
            id="new-username"
            type="text"
            value={username}
            onChange={(e) => setUsername(e.target.value)}
            autoComplete="off"
            spellCheck={false}
            required
            pattern="[a-z0-9._\-]{2,64}"
            aria-describedby="new-username-hint"
          />
          <p id="new-username-hint" className="field__hint">
            {t('adminUsers.usernameHint')}
          </p>
        </div>
        <div className="field">
          <label htmlFor="new-name">{t('adminUsers.name')}</label>
          <input
            id="new-name"
            type="text"
            value={displayName}
            onChange={(e) => setDisplayName(e.target.value)}
            autoComplete="off"
            required
          />
        </div>
        <div className="field">
          <label htmlFor="new-role">{t('adminUsers.role')}</label>
          <RoleSelect id="new-role" value={role} onChange={setRole} />
        </div>
        <button type="submit" className="button button--primary" aria-disabled={create.isPending}>
          {t('adminUsers.create')}
        </button>
      </form>
    </section>
  )
}

function relationText(relation: string, t: I18n['t']): string {
  const key = `adminUsers.relation.${relation}`
  return isMessageKey(key) ? t(key) : relation
}

function RoleSelect({ id, value, onChange }: { id: string; value: StaffRole; onChange: (role: StaffRole) => void }) {
  const { t } = useI18n()
  return (
    <select id={id} value={value} onChange={(e) => onChange(e.target.value as StaffRole)}>
      {STAFF_ROLES.map((r) => (
        <option key={r} value={r}>
          {t(`role.${r}`)}
        </option>
      ))}
    </select>
  )
}

function UserTable({
  users,
  selectedId,
  onSelect,
}: {
  users: StaffUser[]
  selectedId: string | null
  onSelect: (id: string) => void
}) {
  const { t, tp } = useI18n()
  const columns = {
    name: t('adminUsers.name'),
    username: t('adminUsers.username'),
    role: t('adminUsers.role'),
    status: t('adminUsers.status'),
    patients: t('adminUsers.onTeamOf'),
  }
  return (
    <table className="admin-table">
      <caption className="visually-hidden">{t('adminUsers.title')}</caption>
      <thead>
        <tr>
          {Object.values(columns).map((c) => (
            <th key={c} scope="col">
              {c}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {users.map((u) => (
          <tr key={u.id} aria-current={u.id === selectedId ? 'true' : undefined} data-testid={`user-${u.username}`}>
            <th scope="row" data-label={columns.name}>
              <button type="button" className="button button--quiet" onClick={() => onSelect(u.id)}>
                {u.displayName}
              </button>
            </th>
            <td data-label={columns.username}>
              <code>{u.username}</code>
            </td>
            <td data-label={columns.role}>{t(`role.${u.role}`)}</td>
            <td data-label={columns.status}>
              <span className={u.isEnabled ? 'state state--online' : 'state state--revoked'}>
                {u.isEnabled ? t('adminUsers.enabled') : t('adminUsers.disabled')}
              </span>
            </td>
            <td data-label={columns.patients}>{tp('adminUsers.patientCount', u.patients.length)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  )
}

function UserDetail({
  user,
  patients,
  firstPassword,
  onClose,
}: {
  user: StaffUser
  patients: StaffUserList['patients']
  firstPassword: string | null
  onClose: () => void
}) {
  const { t } = useI18n()
  const session = useSignedInSession()
  const queryClient = useQueryClient()
  const isSelf = session.user.id === user.id
  const [role, setRole] = useState<StaffRole>(user.role)
  const [password, setPassword] = useState<{ text: string; isFirst: boolean } | null>(
    firstPassword ? { text: firstPassword, isFirst: true } : null,
  )
  // the detail opens below the list: move there, so the keyboard and a screen reader do too
  const heading = useRef<HTMLHeadingElement>(null)
  useEffect(() => heading.current?.focus(), [])
  const [patientId, setPatientId] = useState('')
  const [relation, setRelation] = useState<(typeof STAFF_RELATIONS)[number]>('home-care')
  const refresh = () => void queryClient.invalidateQueries({ queryKey: queryKeys.adminUsers })
  const update = useMutation({
    mutationFn: (body: { role?: StaffRole; isEnabled?: boolean }) => updateUser(user.id, body),
    onSuccess: refresh,
  })
  const reset = useMutation({ mutationFn: () => resetPassword(user.id), onSuccess: (r) => setPassword({ text: r.password, isFirst: false }) })
  const add = useMutation({
    mutationFn: () => addToTeam(user.id, { patientId, relation }),
    onSuccess: () => {
      setPatientId('')
      refresh()
    },
  })
  const remove = useMutation({ mutationFn: (memberId: string) => removeFromTeam(user.id, memberId), onSuccess: refresh })
  const failure = [update, reset, add, remove].find((m) => m.isError)?.error
  const onTeamOf = new Set(user.patients.map((p) => p.patientId))
  const canCare = user.role !== 'privacy-officer'
  return (
    <section className="admin-detail" aria-labelledby="user-detail-title">
      <div className="admin-detail__header">
        <h2 id="user-detail-title" tabIndex={-1} ref={heading}>
          {user.displayName}
        </h2>
        <button type="button" className="button button--quiet" onClick={onClose}>
          {t('admin.close')}
        </button>
      </div>
      {failure !== undefined && (
        <p className="notice notice--error" role="alert">
          {errorText(failure, t)}
        </p>
      )}
      {password && (
        <OneTimeSecret
          title={t(password.isFirst ? 'adminUsers.firstPassword' : 'adminUsers.newPassword', { username: user.username })}
          secret={password.text}
          onClose={() => setPassword(null)}
        />
      )}
      <form
        className="inline-form"
        onSubmit={(e) => {
          e.preventDefault()
          if (!update.isPending && role !== user.role) update.mutate({ role })
        }}
      >
        <div className="field">
          <label htmlFor="user-role">{t('adminUsers.role')}</label>
          <RoleSelect id="user-role" value={role} onChange={setRole} />
        </div>
        <button type="submit" className="button" aria-disabled={update.isPending || isSelf}>
          {t('adminUsers.saveRole')}
        </button>
      </form>
      {isSelf ? (
        <p className="page__note">{t('adminUsers.selfNote')}</p>
      ) : (
        <div className="button-row">
          {user.isEnabled ? (
            <ConfirmButton
              label={t('adminUsers.disable')}
              question={t('adminUsers.disableQuestion', { name: user.displayName })}
              confirmLabel={t('adminUsers.disableConfirm')}
              onConfirm={() => update.mutate({ isEnabled: false })}
              isBusy={update.isPending}
            />
          ) : (
            <button type="button" className="button" onClick={() => update.mutate({ isEnabled: true })}>
              {t('adminUsers.enable')}
            </button>
          )}
          <ConfirmButton
            label={t('adminUsers.resetPassword')}
            question={t('adminUsers.resetQuestion')}
            confirmLabel={t('adminUsers.resetConfirm')}
            onConfirm={() => reset.mutate()}
            isBusy={reset.isPending}
          />
        </div>
      )}

      <h3>{t('adminUsers.careTeams')}</h3>
      {user.patients.length === 0 ? (
        <p className="empty">{t('adminUsers.noTeams')}</p>
      ) : (
        <ul className="team-list">
          {user.patients.map((p) => (
            <li key={p.memberId}>
              <span>
                {p.patientName} <span className="muted">({relationText(p.relation, t)})</span>
              </span>
              <button
                type="button"
                className="button"
                aria-disabled={remove.isPending}
                aria-label={t('adminUsers.removeFrom', { name: p.patientName })}
                onClick={() => !remove.isPending && remove.mutate(p.memberId)}
              >
                {t('adminUsers.remove')}
              </button>
            </li>
          ))}
        </ul>
      )}
      {canCare ? (
        <form
          className="inline-form"
          onSubmit={(e) => {
            e.preventDefault()
            if (patientId && !add.isPending) add.mutate()
          }}
        >
          <div className="field">
            <label htmlFor="team-patient">{t('adminUsers.patient')}</label>
            <select id="team-patient" value={patientId} onChange={(e) => setPatientId(e.target.value)} required>
              <option value="">{t('adminUsers.choosePatient')}</option>
              {patients
                .filter((p) => !onTeamOf.has(p.id))
                .map((p) => (
                  <option key={p.id} value={p.id}>
                    {p.displayName}
                  </option>
                ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor="team-relation">{t('adminUsers.relationLabel')}</label>
            <select
              id="team-relation"
              value={relation}
              onChange={(e) => setRelation(e.target.value as (typeof STAFF_RELATIONS)[number])}
            >
              {STAFF_RELATIONS.map((r) => (
                <option key={r} value={r}>
                  {t(`adminUsers.relation.${r}`)}
                </option>
              ))}
            </select>
          </div>
          <button type="submit" className="button button--primary" aria-disabled={add.isPending}>
            {t('adminUsers.addToTeam')}
          </button>
        </form>
      ) : (
        <p className="page__note">{t('adminUsers.noCareNote')}</p>
      )}
    </section>
  )
}
