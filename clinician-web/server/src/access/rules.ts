import {
  addRuleOverride, canAccessPatient, CARE_ROLES, endServicePause, findPatientForUser, listRuleOverrides, listServicePauses,
  listTenantPatientsForReplay, loadRuleOverrides, loadStartupReadings, platformNow, startServicePause, type ServicePauseRecord,
  type StoredReading,
} from '@varde/db'
import {
  compareReadingBands, ReadingBands, replayAlerts, resolvePatientRules, RuleError, summarizeReplay, type ConditionId, type ReadingChanges,
  type ReplaySummary, type Rule, type RuleKind, type RuleOverride, type RuleSet,
} from '@varde/domain'
import type { Condition } from '@varde/api-contract'
import { CARE_WRITE_FAILURES, ERRORS } from '../errors/api-errors.js'
import { dbActorOf, hasRole } from './actor.js'
import { userIdOf, type AccessContext } from './context.js'

/**
 * How long a tenant-wide what-if may replay before it answers with the
 * patients done so far (`isComplete` false): a request must not hold a
 * connection and a core for minutes. 30 days of a reading every 5 minutes
 * replays in tens of milliseconds a patient (ADR 0036), so 80 patients fit.
 */
export const TENANT_WHAT_IF_BUDGET_MS = 10_000

/** The tenant what-if names this many patients whose alerts the change moves most (the administrator's "who would feel it"). */
const MOST_AFFECTED = 5

export interface RuleChange {
  params?: Record<string, unknown> | undefined
  isEnabled?: boolean | undefined
  kind?: RuleKind | undefined
  reason: string | null
}

/**
 * A patient's rules and the pauses of its service. Anyone who gives the
 * patient care reads them; only a nurse or clinician changes them (not an
 * administrator). Reads and refusals are logged here; a change is logged by
 * the statement that stores it (packages/db rule-overrides.ts).
 */
export function ruleAccess({ db, actor, audit, where }: AccessContext) {
  // a user's change: a service without a user id is refused (userIdOf) before any statement
  const careActor = () => ({ ...dbActorOf(actor), userId: userIdOf(actor) })
  const mayChange = hasRole(actor, CARE_ROLES)
  /** Refuses, and logs the refusal, when the actor's role may not change `resourceType`. */
  const requireCareRole = async (resourceType: string, resourceId: string) => {
    if (mayChange) return
    await audit.one({ action: 'change', resourceType, resourceId, outcome: 'denied', details: where() })
    throw new ERRORS.careRoleRequired()
  }
  const readOverrides = (patientId: string) => listRuleOverrides(db, { tenantId: actor.tenantId, userId: userIdOf(actor), patientId })

  return {
    /** The rule set in effect and the history of changes, newest first. */
    async read(patientId: string): Promise<{ patientId: string; ruleSet: RuleSet; history: RuleOverride[]; canChange: boolean }> {
      const patient = await findPatientForUser(db, actor.tenantId, userIdOf(actor), patientId)
      await audit.one({ action: 'read', resourceType: 'RuleSet', resourceId: patientId, patientId: patient?.id ?? null, outcome: patient ? 'allowed' : 'denied' })
      if (!patient) throw new ERRORS.patientNotFound()
      const history = await readOverrides(patient.id)
      try {
        return { patientId: patient.id, ruleSet: resolvePatientRules(patient.conditions, history), history, canChange: mayChange }
      } catch (error) {
        if (!(error instanceof RuleError)) throw error
        throw new ERRORS.invalidStoredRules(error.detail)
      }
    },

    /**
     * Stores the next version of one rule, validated by resolving the
     * patient's whole rule set with it: an invalid change throws the
     * RuleError (400 with its code) and nothing is stored.
     */
    async change(patientId: string, ruleId: string, change: RuleChange): Promise<Rule> {
      await requireCareRole('RuleOverride', patientId)
      const patient = await findPatientForUser(db, actor.tenantId, userIdOf(actor), patientId)
      if (!patient) {
        await audit.one({ action: 'change', resourceType: 'RuleOverride', resourceId: patientId, outcome: 'denied', details: { ruleId } })
        throw new ERRORS.patientNotFound()
      }
      const overrides = await readOverrides(patient.id)
      const previous = overrides.filter((o) => o.ruleId === ruleId).reduce<RuleOverride | undefined>((a, o) => (a && a.version > o.version ? a : o), undefined)
      const candidate: RuleOverride = {
        ruleId, version: (previous?.version ?? 0) + 1, kind: change.kind ?? previous?.kind, params: change.params ?? previous?.params ?? {},
        isEnabled: change.isEnabled ?? previous?.isEnabled, setBy: { id: userIdOf(actor), name: actor.displayName }, setAt: new Date(),
        reason: change.reason,
      }
      resolvePatientRules(patient.conditions, [...overrides, candidate])
      const stored = await addRuleOverride(db, {
        actor: careActor(), patientId: patient.id, ruleId, kind: candidate.kind, params: candidate.params,
        isEnabled: candidate.isEnabled, reason: candidate.reason, basedOnVersion: previous?.version ?? 0,
      })
      if (!stored.ok) throw new CARE_WRITE_FAILURES[stored.code]()
      const rule = resolvePatientRules(patient.conditions, [...overrides, stored.override]).rules.find((r) => r.id === ruleId)
      if (!rule) throw new Error(`rule ${ruleId} missing after storing it`)
      return rule
    },

    /**
     * What-if before a rule changes (issue 20): the patient's last `days`
     * days of stored readings replayed by the rules' own entry point
     * (@varde/domain replayAlerts) with the rules as they are and with the
     * change, nothing stored; beside them the alerts the rules did raise in
     * the period. Anyone who gives care may ask (asking changes nothing);
     * one log entry per call.
     */
    async whatIf(patientId: string, ruleId: string, change: Omit<RuleChange, 'reason'>, days = 30): Promise<{
      from: Date; to: Date; readings: number; elapsedMs: number
      raised: Awaited<ReturnType<typeof loadStartupReadings>>['raised']; current: ReplaySummary; proposed: ReplaySummary
      readingChanges: ReadingChanges
    }> {
      const patient = await findPatientForUser(db, actor.tenantId, userIdOf(actor), patientId)
      await audit.one({ action: 'read', resourceType: 'RuleWhatIf', resourceId: patientId, patientId: patient?.id ?? null, outcome: patient ? 'allowed' : 'denied', details: { ruleId } })
      if (!patient) throw new ERRORS.patientNotFound()
      const overrides = await readOverrides(patient.id)
      const previous = overrides.filter((o) => o.ruleId === ruleId).reduce<RuleOverride | undefined>((a, o) => (a && a.version > o.version ? a : o), undefined)
      const candidate: RuleOverride = {
        ruleId, version: Number.MAX_SAFE_INTEGER, kind: change.kind ?? previous?.kind, params: change.params ?? previous?.params ?? {},
        isEnabled: change.isEnabled ?? previous?.isEnabled, setBy: { id: userIdOf(actor), name: actor.displayName }, setAt: new Date(), reason: null,
      }
      let current: RuleSet
      try {
        current = resolvePatientRules(patient.conditions, overrides)
      } catch (error) {
        if (!(error instanceof RuleError)) throw error
        throw new ERRORS.invalidStoredRules(error.detail)
      }
      // an invalid change is refused as the change itself would be (RuleError: 400 with its reason)
      const proposed = resolvePatientRules(patient.conditions, [...overrides, candidate])
      const to = await platformNow(db)
      const from = new Date(to.getTime() - days * 86_400_000)
      const { readings, raised } = await loadStartupReadings(db, { tenantId: actor.tenantId, patientId: patient.id, from, to })
      const started = performance.now()
      // as the worker judged them: by stored batch (gateway/batch/measurement ids), when received
      const arrival = (r: StoredReading) => ({ batch: r.measurementId.slice(0, r.measurementId.lastIndexOf('/')), at: r.receivedAt })
      // the findings each replay counted, per reading: the exact readings that would now alert or now pass
      const bands = { current: new ReadingBands(), proposed: new ReadingBands() }
      const replayed = {
        current: summarizeReplay(current, replayAlerts({ ruleSet: current, readings, from, to, arrival, onFinding: (f) => bands.current.add(f) }), patient.id),
        proposed: summarizeReplay(proposed, replayAlerts({ ruleSet: proposed, readings, from, to, arrival, onFinding: (f) => bands.proposed.add(f) }), patient.id),
      }
      const readingChanges = compareReadingBands(bands.current, bands.proposed)
      return { from, to, readings: readings.length, elapsedMs: performance.now() - started, raised, ...replayed, readingChanges }
    },

    /**
     * The same what-if over all the tenant's patients in follow-up, for its
     * administrator: "how many alerts a day would this profile change give
     * us?" Each patient's rules as they are (profiles and the care team's
     * changes) replayed beside them with the rule set so for everyone, the
     * sums per day. Bounded by TENANT_WHAT_IF_BUDGET_MS. One log entry naming
     * the patients replayed; a refusal logged too.
     */
    async whatIfTenant(ruleId: string, change: Omit<RuleChange, 'reason'>, days = 30, budgetMs = TENANT_WHAT_IF_BUDGET_MS, condition: Condition | null = null) {
      if (!hasRole(actor, ['admin'])) {
        await audit.one({ action: 'read', resourceType: 'RuleWhatIf', resourceId: null, outcome: 'denied', details: { ...where(), ruleId, scope: 'tenant' } })
        throw new ERRORS.tenantWhatIfAdminRequired()
      }
      const all = await listTenantPatientsForReplay(db, actor.tenantId)
      // a condition profile's change reaches only the patients with the condition
      const patients = condition ? all.filter((p) => p.conditions.includes(condition)) : all
      const overrides = await loadRuleOverrides(db, patients.map((p) => p.id))
      const to = await platformNow(db)
      const from = new Date(to.getTime() - days * 86_400_000)
      const started = performance.now()
      type Sums = { alerts: number; episodes: number }
      const zero = (): { current: Sums; proposed: Sums } => ({ current: { alerts: 0, episodes: 0 }, proposed: { alerts: 0, episodes: 0 } })
      const totals = zero()
      const byCondition = new Map<string, { patients: number } & ReturnType<typeof zero>>()
      const perPatient: { patientId: string; displayName: string; conditions: string[]; current: Sums; proposed: Sums }[] = []
      const replayed: string[] = []
      let withRule = 0
      let readingCount = 0
      let visited = 0
      for (const patient of patients) {
        if (performance.now() - started > budgetMs) break
        visited += 1
        const own = overrides.get(patient.id) ?? []
        const conditions = patient.conditions as ConditionId[]
        let current: RuleSet
        try {
          current = resolvePatientRules(conditions, own)
        } catch (error) {
          if (!(error instanceof RuleError)) throw error
          continue // a patient whose stored rules no longer resolve is not replayed (their page says so)
        }
        replayed.push(patient.id)
        if (!change.kind && !current.rules.some((r) => r.id === ruleId)) continue
        withRule += 1
        const previous = own.filter((o) => o.ruleId === ruleId).reduce<RuleOverride | undefined>((a, o) => (a && a.version > o.version ? a : o), undefined)
        const candidate: RuleOverride = {
          ruleId, version: Number.MAX_SAFE_INTEGER, kind: change.kind ?? previous?.kind, params: change.params ?? previous?.params ?? {},
          isEnabled: change.isEnabled ?? previous?.isEnabled, setBy: { id: userIdOf(actor), name: actor.displayName }, setAt: new Date(), reason: null,
        }
        // an invalid change is refused as the change itself would be (RuleError: 400 with its reason)
        const proposed = resolvePatientRules(conditions, [...own, candidate])
        const { readings } = await loadStartupReadings(db, { tenantId: actor.tenantId, patientId: patient.id, from, to })
        readingCount += readings.length
        const arrival = (r: StoredReading) => ({ batch: r.measurementId.slice(0, r.measurementId.lastIndexOf('/')), at: r.receivedAt })
        const mine = zero()
        for (const [key, ruleSet] of [['current', current], ['proposed', proposed]] as const) {
          const summary = summarizeReplay(ruleSet, replayAlerts({ ruleSet, readings, from, to, arrival }), patient.id)
          mine[key] = { alerts: summary.alerts.length, episodes: summary.episodes }
        }
        for (const group of [totals, ...patient.conditions.map((c) => {
          const g = byCondition.get(c) ?? { patients: 0, ...zero() }
          byCondition.set(c, g)
          g.patients += 1
          return g
        })]) {
          for (const key of ['current', 'proposed'] as const) {
            group[key].alerts += mine[key].alerts
            group[key].episodes += mine[key].episodes
          }
        }
        perPatient.push({ patientId: patient.id, displayName: patient.displayName, conditions: patient.conditions, ...mine })
      }
      await audit.one({
        action: 'read', resourceType: 'RuleWhatIf', resourceId: null, outcome: 'allowed',
        details: { ruleId, scope: 'tenant', days, condition, patients: replayed },
      })
      const perDay = (t: Sums) => ({ ...t, alertsPerDay: Math.round((t.alerts / days) * 100) / 100, episodesPerDay: Math.round((t.episodes / days) * 100) / 100 })
      const moved = (p: (typeof perPatient)[number]) => [Math.abs(p.proposed.alerts - p.current.alerts), Math.abs(p.proposed.episodes - p.current.episodes)] as const
      const mostAffected = perPatient
        .filter((p) => moved(p).some((n) => n > 0))
        .sort((a, b) => moved(b)[0] - moved(a)[0] || moved(b)[1] - moved(a)[1] || a.displayName.localeCompare(b.displayName))
        .slice(0, MOST_AFFECTED)
      return {
        from, to, days, patients: patients.length, patientsReplayed: replayed.length, patientsWithRule: withRule,
        isComplete: visited === patients.length, readings: readingCount,
        elapsedMs: performance.now() - started, current: perDay(totals.current), proposed: perDay(totals.proposed),
        condition, budgetMs,
        perCondition: [...byCondition].sort(([a], [b]) => a.localeCompare(b))
          .map(([c, g]) => ({ condition: c, patients: g.patients, current: perDay(g.current), proposed: perDay(g.proposed) })),
        mostAffected,
      }
    },

    async pauses(patientId: string): Promise<ServicePauseRecord[]> {
      const allowed = await canAccessPatient(db, actor.tenantId, userIdOf(actor), patientId)
      await audit.one({ action: 'read', resourceType: 'ServicePause', resourceId: patientId, patientId: allowed ? patientId : null, outcome: allowed ? 'allowed' : 'denied' })
      if (!allowed) throw new ERRORS.patientNotFound()
      return listServicePauses(db, { tenantId: actor.tenantId, userId: userIdOf(actor), patientId })
    },

    async startPause(patientId: string, pause: { startsAt?: Date | undefined; endsAt: Date | null; reason: string | null }): Promise<ServicePauseRecord> {
      await requireCareRole('ServicePause', patientId)
      const started = await startServicePause(db, { actor: careActor(), patientId, ...pause })
      if (started.ok) return started.pause
      if (started.code === 'not-found') await audit.one({ action: 'change', resourceType: 'ServicePause', resourceId: patientId, outcome: 'denied' })
      throw new CARE_WRITE_FAILURES[started.code]()
    },

    async endPause(patientId: string, pauseId: string, endsAt: Date | undefined): Promise<ServicePauseRecord> {
      await requireCareRole('ServicePause', patientId)
      if (!(await canAccessPatient(db, actor.tenantId, userIdOf(actor), patientId))) {
        await audit.one({ action: 'change', resourceType: 'ServicePause', resourceId: pauseId, outcome: 'denied', details: { patientId } })
        throw new ERRORS.patientNotFound()
      }
      const ended = await endServicePause(db, { actor: careActor(), patientId, pauseId, endsAt })
      if (ended.ok) return ended.pause
      throw ended.code === 'not-found' ? new ERRORS.pauseNotFound() : new CARE_WRITE_FAILURES[ended.code]()
    },
  }
}
