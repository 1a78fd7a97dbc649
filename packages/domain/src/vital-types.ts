/**
 * The decoded vital types of device-protocol.md ("Decoded types"): canonical
 * UCUM unit, LOINC code and the plausible range outside which a value is
 * rejected rather than stored.
 */
export const VITAL_TYPE_NAMES = [
  'body-weight',
  'spo2',
  'pulse',
  'bp-systolic',
  'bp-diastolic',
  'body-temperature',
  'blood-glucose',
  'respiratory-rate',
  // patient-reported scores (issue 25, docs/decisions/0042): never from a gateway (judge-batch refuses them)
  'cat-score',
  'wellbeing',
] as const

export type VitalType = (typeof VITAL_TYPE_NAMES)[number]

export interface VitalTypeInfo {
  type: VitalType
  /** Canonical UCUM unit. */
  unit: string
  /** The code in {@link VitalTypeInfo.codeSystem} (LOINC unless it names another). */
  loinc: string
  /**
   * Who measures it: a device through a gateway (device-protocol.md), or the
   * patient answering a questionnaire on /min-side (ADR 0042), which no
   * gateway may send.
   */
  origin: 'device' | 'patient'
  /** The code system of `loinc` when it is not LOINC (the patient-reported scores' local one). */
  codeSystem?: string
  /** LOINC display name, used in FHIR codings. */
  loincDisplay: string
  /** Inclusive plausible range in the canonical unit. */
  plausible: { min: number; max: number }
  label: { nb: string; en: string }
  /** Unit as shown to people. */
  displayUnit: string
}

/** The platform's own code system of the patient-reported scores (ADR 0042). */
export const QUESTIONNAIRE_SCORE_SYSTEM = 'urn:varde:questionnaire-score'

export const VITAL_TYPES: Readonly<Record<VitalType, VitalTypeInfo>> = {
  'body-weight': {
    type: 'body-weight', unit: 'kg', origin: 'device', loinc: '29463-7', loincDisplay: 'Body weight',
    plausible: { min: 2, max: 400 }, label: { nb: 'Vekt', en: 'Weight' }, displayUnit: 'kg',
  },
  spo2: {
    type: 'spo2', unit: '%', origin: 'device', loinc: '59408-5',
    loincDisplay: 'Oxygen saturation in Arterial blood by Pulse oximetry',
    plausible: { min: 50, max: 100 }, label: { nb: 'Oksygenmetning', en: 'Oxygen saturation' }, displayUnit: '%',
  },
  pulse: {
    type: 'pulse', unit: '/min', origin: 'device', loinc: '8867-4', loincDisplay: 'Heart rate',
    plausible: { min: 20, max: 300 }, label: { nb: 'Puls', en: 'Pulse' }, displayUnit: '/min',
  },
  'bp-systolic': {
    type: 'bp-systolic', unit: 'mm[Hg]', origin: 'device', loinc: '8480-6', loincDisplay: 'Systolic blood pressure',
    plausible: { min: 40, max: 300 }, label: { nb: 'Systolisk blodtrykk', en: 'Systolic blood pressure' }, displayUnit: 'mmHg',
  },
  'bp-diastolic': {
    type: 'bp-diastolic', unit: 'mm[Hg]', origin: 'device', loinc: '8462-4', loincDisplay: 'Diastolic blood pressure',
    plausible: { min: 20, max: 200 }, label: { nb: 'Diastolisk blodtrykk', en: 'Diastolic blood pressure' }, displayUnit: 'mmHg',
  },
  'body-temperature': {
    type: 'body-temperature', unit: 'Cel', origin: 'device', loinc: '8310-5', loincDisplay: 'Body temperature',
    plausible: { min: 25, max: 45 }, label: { nb: 'Temperatur', en: 'Temperature' }, displayUnit: '°C',
  },
  'blood-glucose': {
    type: 'blood-glucose', unit: 'mmol/L', origin: 'device', loinc: '15074-8', loincDisplay: 'Glucose [Moles/volume] in Blood',
    plausible: { min: 0.5, max: 50 }, label: { nb: 'Blodsukker', en: 'Blood glucose' }, displayUnit: 'mmol/L',
  },
  'respiratory-rate': {
    type: 'respiratory-rate', unit: '/min', origin: 'device', loinc: '9279-1', loincDisplay: 'Respiratory rate',
    plausible: { min: 3, max: 80 }, label: { nb: 'Respirasjonsfrekvens', en: 'Respiratory rate' }, displayUnit: '/min',
  },
  // No LOINC code for the CAT total was found to cite with confidence, so both scores are coded in the
  // platform's own code system (ADR 0042); a LOINC coding can be added beside it when one is confirmed.
  'cat-score': {
    type: 'cat-score', unit: '{score}', origin: 'patient', codeSystem: QUESTIONNAIRE_SCORE_SYSTEM, loinc: 'cat-total',
    loincDisplay: 'COPD Assessment Test (CAT) total score',
    plausible: { min: 0, max: 40 }, label: { nb: 'KOLS-test (CAT)', en: 'COPD Assessment Test (CAT)' }, displayUnit: '/40',
  },
  wellbeing: {
    type: 'wellbeing', unit: '{score}', origin: 'patient', codeSystem: QUESTIONNAIRE_SCORE_SYSTEM, loinc: 'daily-wellbeing',
    loincDisplay: 'Daily self-rated wellbeing, 1 (very bad) to 5 (very good)',
    plausible: { min: 1, max: 5 }, label: { nb: 'Dagsform', en: 'How I feel today' }, displayUnit: '/5',
  },
}

/** The types a gateway may send (device-protocol.md "Decoded types"); the patient-reported scores are not among them. */
export const isDeviceType = (type: VitalType): boolean => VITAL_TYPES[type].origin === 'device'

export function isVitalType(value: string): value is VitalType {
  return (VITAL_TYPE_NAMES as readonly string[]).includes(value)
}

export function vitalTypeByLoinc(loinc: string): VitalTypeInfo | undefined {
  return Object.values(VITAL_TYPES).find((v) => v.loinc === loinc)
}

/**
 * The FHIR Observation category of a type's readings: `survey` for the
 * patient's own answers (ADR 0042), `vital-signs` for the rest.
 */
export function observationCategoryOf(type: string): { code: 'survey' | 'vital-signs'; display: string } {
  return isVitalType(type) && VITAL_TYPES[type].origin === 'patient' ? { code: 'survey', display: 'Survey' } : { code: 'vital-signs', display: 'Vital Signs' }
}

/** The code system of a type's code: LOINC, or the local one of the patient-reported scores. */
export const codeSystemOf = (info: VitalTypeInfo): string => info.codeSystem ?? 'http://loinc.org'
