import {
  storeAnswer,
  listCareTeam, listObjections, listOwnReadings, loadRuleOverrides, loadServicePauses, MUNICIPAL_RELATIONS, platformNow, readOwnPatient,
  readTrend, recordObjection, withdrawObjection, type OwnPatient, type OwnReading, type StoredAnswer, type PatientObjection, type Trend,
} from '@varde/db'
import {
  classifyValue, enabledRules, INSTRUMENT_TYPE, isPossiblyRed, resolvePatientRules, RuleError, scoreAnswers, todaysPlan, VITAL_TYPES,
  type Band, type Instrument, type PlannedMeasurement, type RuleSet, type Severity, type VitalType,
} from '@varde/domain'
import { ERRORS } from '../errors/api-errors.js'
import { hasRole } from './actor.js'
import type { AccessContext } from './context.js'

export interface MyAnswerView {
  answer: StoredAnswer
  isNew: boolean
  /** The score against the patient's own thresholds; null: green. */
  severity: Severity | null
}

export interface MyPageView {
  patient: OwnPatient
  readings: OwnReading[]
  targets: { vital: string; yellow: { low: number | null; high: number | null }; red: { low: number | null; high: number | null } }[]
  today: PlannedMeasurement[]
  objections: PatientObjection[]
  /** Those on the team outside the municipality, each with my objection in force against it, if any. */
  recipients: { memberId: string; relation: string; name: string; objectionId: string | null }[]
}

const READINGS_DAYS = 14
const bandOf = (b: Band) => ({ low: b.low?.value ?? null, high: b.high?.value ?? null })

/**
 * The patient's own page (issue 25): a patient user reads their readings,
 * targets, self-care plan and today's plan, and objects to sharing or
 * withdraws an objection. The patient is the session's own (users.patient_id),
 * never an id from the request, so no call can reach another patient's data;
 * anyone who is not a patient user is answered as for a patient that does
 * not exist. One access-log entry per call, refusals included; the patient's
 * own reads are not shown back to them in the access report (they are not
 * "someone else seeing my data").
 */
export function myPageAccess({ db, actor, audit }: AccessContext) {
  /** The door: the actor's own patient, or PatientNotFound; one log entry either way. */
  const enter = async (entry: { action: 'read' | 'change'; resourceType: string; resourceId?: string; details?: Record<string, unknown> }): Promise<OwnPatient> => {
    const own = actor.userId && hasRole(actor, ['patient']) ? await readOwnPatient(db, actor.tenantId, actor.userId) : null
    await audit.one({
      action: entry.action, resourceType: entry.resourceType, resourceId: entry.resourceId ?? own?.id ?? null, patientId: own?.id ?? null,
      outcome: own ? 'allowed' : 'denied', details: { ...entry.details, api: 'my-page' },
    })
    if (!own) throw new ERRORS.patientNotFound()
    return own
  }
  const overridesOf = async (patientId: string) => (await loadRuleOverrides(db, [patientId])).get(patientId) ?? []
  const outsideTeam = async (patientId: string) =>
    (await listCareTeam(db, actor.tenantId, patientId)).filter((m) => m.isActive && !MUNICIPAL_RELATIONS.includes(m.relation))

  return {
    async read(): Promise<MyPageView> {
      const patient = await enter({ action: 'read', resourceType: 'Patient', details: { view: 'my-page' } })
      const now = await platformNow(db)
      const [readings, overrides, pauses, objections, team] = await Promise.all([
        listOwnReadings(db, { tenantId: actor.tenantId, patientId: patient.id, from: new Date(now.getTime() - READINGS_DAYS * 86_400_000), limit: 500 }),
        loadRuleOverrides(db, [patient.id]), loadServicePauses(db, [patient.id]), listObjections(db, actor.tenantId, patient.id), outsideTeam(patient.id),
      ])
      let ruleSet: RuleSet | null = null
      try {
        ruleSet = resolvePatientRules(patient.conditions, overrides.get(patient.id) ?? [])
      } catch (error) {
        // stored rules that no longer resolve: the page shows no targets or plan rather than failing
        if (!(error instanceof RuleError)) throw error
      }
      const measuredAt: Partial<Record<VitalType, Date[]>> = {}
      for (const r of readings) (measuredAt[r.type as VitalType] ??= []).push(r.measuredAt)
      return {
        patient, readings, objections,
        targets: ruleSet ? enabledRules(ruleSet, 'threshold').flatMap((t) => t.params.vitals.map((v) => ({ vital: v.vital, yellow: bandOf(v.yellow), red: bandOf(v.red) }))) : [],
        today: ruleSet ? todaysPlan({ ruleSet, measuredAt, pauses: pauses.get(patient.id) ?? [], now }) : [],
        recipients: team.map((m) => ({
          memberId: m.id, relation: m.relation,
          name: m.user?.displayName ?? m.practitioner?.name ?? m.organisation?.name ?? m.recipient?.name ?? m.relation,
          objectionId: objections.find((o) => !o.withdrawn && o.scope === 'recipient'
            && ((o.userId !== null && o.userId === m.user?.id) || (o.recipientId !== null && o.recipientId === m.recipient?.id)))?.id ?? null,
        })),
      }
    },

    /**
     * My trend of one vital (issue 25): the staff trend's read (issue 21,
     * rollups beyond ~1,000 readings) of my own patient, logged as a read of
     * my Observations as the page is.
     */
    async trend(q: { type: string; from: Date; to: Date }): Promise<Trend> {
      const patient = await enter({ action: 'read', resourceType: 'Observation', details: { trend: q.type, from: q.from.toISOString(), to: q.to.toISOString() } })
      return readTrend(db, { ...q, tenantId: actor.tenantId, patientId: patient.id })
    },

    /** The patient's own objection, recorded as given digitally; pending deliveries it stands against are cancelled at once. */
    async object(o: { scope: 'all-beyond-municipal' | 'recipient'; memberId?: string | undefined }): Promise<PatientObjection> {
      const patient = await enter({ action: 'change', resourceType: 'Consent', details: { change: 'objection', scope: o.scope } })
      let target: { recipientId: string | null; userId: string | null } = { recipientId: null, userId: null }
      if (o.scope === 'recipient') {
        const member = (await outsideTeam(patient.id)).find((m) => m.id === o.memberId)
        if (!member || (!member.recipient && !member.user)) throw new ERRORS.invalidObjectionTarget()
        target = { recipientId: member.recipient?.id ?? null, userId: member.user?.id ?? null }
      }
      return recordObjection(db, { tenantId: actor.tenantId, patientId: patient.id, scope: o.scope, ...target, channel: 'digital', recordedByUserId: actor.userId! })
    },

    /**
     * My answer to a questionnaire (issue 25, ADR 0042): scored here, stored
     * as a reading of its own type (so the rules judge it like a vital) with
     * the answers beside it, once per client id; refused whole when the
     * answers do not fit, the refusal logged with them for review (the access
     * log is the health data's own log, not the application log).
     */
    async answer(a: { clientId: string; instrument: Instrument; answers: unknown[] }): Promise<MyAnswerView> {
      const scored = scoreAnswers(a.instrument, a.answers)
      const patient = await enter({
        action: 'change', resourceType: 'QuestionnaireResponse', resourceId: a.clientId,
        details: { instrument: a.instrument, ...('code' in scored ? { refused: scored.code, answers: a.answers } : {}) },
      })
      if ('code' in scored) throw new ERRORS.invalidQuestionnaire()
      const type = INSTRUMENT_TYPE[a.instrument]
      const now = await platformNow(db)
      const items = a.answers as number[]
      const reading = {
        measurementId: a.clientId, deviceId: `questionnaire:${a.instrument}`, type, value: scored.score, unit: VITAL_TYPES[type].unit,
        originalValue: null, originalUnit: null, measuredAt: now, flags: [], battery: null, source: 'patient' as const,
      }
      const stored = await storeAnswer(db, {
        tenantId: actor.tenantId, patientId: patient.id, userId: actor.userId!, clientId: a.clientId, instrument: a.instrument,
        items, score: scored.score, type, answeredAt: now, isUrgent: isPossiblyRed(reading, now, patient.conditions),
      })
      if (stored.outcome === 'daily-taken') throw new ERRORS.dailyAlreadyAnswered()
      if (stored.outcome === 'duplicate'
        && (stored.answer.instrument !== a.instrument || stored.answer.items.join(',') !== items.join(','))) throw new ERRORS.answerIdReused()
      return { answer: stored.answer, isNew: stored.outcome === 'stored', severity: await severityOf(patient, stored.answer.score, type, overridesOf) }
    },

    async withdraw(objectionId: string): Promise<PatientObjection> {
      const patient = await enter({ action: 'change', resourceType: 'Consent', resourceId: objectionId, details: { change: 'withdraw' } })
      const withdrawn = await withdrawObjection(db, { tenantId: actor.tenantId, patientId: patient.id, objectionId, byUserId: actor.userId!, channel: 'digital' })
      if (!withdrawn) throw new ERRORS.objectionNotFound()
      return withdrawn
    },
  }
}

/** The score's colour by the patient's own thresholds (the rules' `threshold:<type>`); green when it has none. */
async function severityOf(
  patient: OwnPatient, score: number, type: VitalType, overridesOf: (id: string) => Promise<Awaited<ReturnType<typeof loadRuleOverrides>> extends Map<string, infer V> ? V : never>,
): Promise<Severity | null> {
  try {
    const ruleSet = resolvePatientRules(patient.conditions, await overridesOf(patient.id))
    for (const rule of enabledRules(ruleSet, 'threshold')) {
      const bands = rule.params.vitals.find((v) => v.vital === type)
      if (bands) return classifyValue(bands, score)
    }
  } catch (error) {
    if (!(error instanceof RuleError)) throw error
  }
  return null
}
