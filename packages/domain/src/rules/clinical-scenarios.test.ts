import { describe, expect, it } from 'vitest'
import type { Reading } from '../protocol/types.js'
import { VITAL_TYPES, type VitalType } from '../vital-types.js'
import type { AlertAction, OpenAlertState } from './alert.js'
import { evaluateDeviceHealth, latestDeviceBatteries, type GatewayHealth } from './device-health.js'
import { evaluateReadings } from './evaluate-readings.js'
import { evaluateSchedules } from './missed-measurement.js'
import { resolvePatientRules } from './resolve-patient-rules.js'
import { ruleOverrideSchema, type RuleOverrideInput } from './rule-override.js'
import type { ConditionId, ServicePause } from './rule-set.js'
import type { Severity } from './severity.js'

/*
 * Clinical scenarios: a patient, what they measure and when, what the clock
 * does, and exactly which alerts the response centre has open afterwards.
 * Times are written as the patient's wall clock with its UTC offset
 * (Europe/Oslo: +01:00 in winter, +02:00 in summer).
 *
 * `alerts` lists every open alert, nothing more: key, colour, how many times
 * it has been raised or updated (#), and whether the condition is still
 * active (`over` = the values came back past the hysteresis; only a nurse
 * closes an alert). `actions` lists what the engine told the platform to do
 * since the previous check.
 *
 * How the scenarios run is at the bottom of the file.
 */

const scenarios: Scenario[] = [
  {
    title:
      'KOLS-forverring: stabil på 90–93 % (ingen varsler på skala 2), fall fra egen baseline, så under målområdet og rød',
    conditions: ['copd'],
    steps: [
      // Two weeks of stable readings inside the 88–92 % target: no alerts,
      // although a patient without COPD would be red at ≤ 91 %.
      ...daily('2026-01-01', 14, '09:00+01:00', (day) => ({
        spo2: [92, 91, 93, 92, 92, 90, 92, 91, 92, 93, 92, 91, 92, 92][day] ?? 92,
        pulse: 82,
      })),
      expectAlerts([]),

      measure('2026-01-15T09:00+01:00', { spo2: 88, pulse: 92 }),
      expectAlerts([
        {
          key: 'baseline:spo2',
          severity: 'yellow',
          count: 1,
          nb: 'Oksygenmetning 88 %: 4 prosentpoeng under egen median 92 % siste 14 dager (gul grense ≥ 4 prosentpoeng)',
        },
      ]),

      measure('2026-01-16T09:00+01:00', { spo2: 85, pulse: 108 }),
      measure('2026-01-16T09:03+01:00', { 'body-temperature': 38.6 }),
      expectAlerts([
        { key: 'baseline:spo2', severity: 'yellow', count: 2 },
        {
          key: 'threshold:spo2',
          severity: 'yellow',
          count: 1,
          nb: 'Oksygenmetning 85 % (gul grense ≤ 87 %)',
        },
      ]),

      measure('2026-01-17T08:30+01:00', { spo2: 82, pulse: 118 }),
      measure('2026-01-17T08:32+01:00', { 'body-temperature': 39.2 }),
      expectAlerts(
        [
          { key: 'baseline:spo2', severity: 'yellow', count: 3 },
          {
            key: 'threshold:spo2',
            severity: 'red',
            count: 2,
            nb: 'Oksygenmetning 82 % (rød grense ≤ 83 %)',
          },
          {
            key: 'threshold:pulse',
            severity: 'yellow',
            count: 1,
            nb: 'Puls 118 /min (gul grense ≥ 111 /min)',
          },
          { key: 'threshold:body-temperature', severity: 'yellow', count: 1 },
          // NEWS2 scale 2: SpO2 82 → 3, pulse 118 → 2, temperature 39.2 → 2.
          {
            key: 'news2',
            severity: 'red',
            count: 1,
            nb: 'NEWS2-skår 7 fra 3 målte parametre: oksygenmetning 3, puls 2, temperatur 2 (rød grense ≥ 7)',
          },
        ],
        {
          actions: [
            'update threshold:spo2 red #2 escalated',
            'open threshold:pulse yellow',
            'update baseline:spo2 yellow #3',
            'open threshold:body-temperature yellow',
            'open news2 red',
          ],
        },
      ),
    ],
  },

  {
    title:
      'Hjertesvikt: vektøkning 2,1 kg på 3 dager (kalenderdager, selv om morgenveiingene er mer enn 72 t fra hverandre), faller etter økt diuretika',
    conditions: ['heart-failure'],
    steps: [
      measure('2026-02-01T07:30+01:00', { 'body-weight': 80.0 }),
      measure('2026-02-02T07:30+01:00', { 'body-weight': 80.2 }),
      measure('2026-02-03T07:30+01:00', { 'body-weight': 79.9 }),
      measure('2026-02-04T07:10+01:00', { 'body-weight': 80.1 }),
      measure('2026-02-05T07:30+01:00', { 'body-weight': 80.9 }),
      measure('2026-02-06T07:30+01:00', { 'body-weight': 81.6 }), // +1.7 kg from 79.9 three days ago
      expectAlerts([]),
      // 72 h 35 min after the 80.1 of 4 February, still "3 days ago".
      measure('2026-02-07T07:45+01:00', { 'body-weight': 82.2 }),
      expectAlerts([
        {
          key: 'trend:weight-gain',
          severity: 'yellow',
          count: 1,
          nb: 'Vekt 82,2 kg: +2,1 kg på 3 dager, fra 80,1 kg (gul grense ≥ 2,0 kg på 3 dager)',
        },
      ]),
      measure('2026-02-08T07:30+01:00', { 'body-weight': 81.5 }), // +0.6 from 80.9: over
      expectAlerts([{ key: 'trend:weight-gain', severity: 'yellow', count: 1, isActive: false }], {
        actions: ['clear trend:weight-gain'],
      }),
    ],
  },

  {
    title: 'Hypertensiv krise: grad 2 gir gult, 192/114 gir rødt i samme varsel',
    conditions: ['hypertension'],
    steps: [
      measure('2026-05-04T08:00+02:00', { 'bp-systolic': 148, 'bp-diastolic': 92, pulse: 72 }),
      expectAlerts([]),
      measure('2026-05-05T08:00+02:00', { 'bp-systolic': 166, 'bp-diastolic': 98, pulse: 76 }),
      expectAlerts([
        {
          key: 'threshold:blood-pressure',
          severity: 'yellow',
          count: 1,
          nb: 'Blodtrykk 166/98 mmHg (gul grense systolisk ≥ 160 mmHg)',
        },
      ]),
      measure('2026-05-06T08:00+02:00', { 'bp-systolic': 192, 'bp-diastolic': 114, pulse: 88 }),
      expectAlerts(
        [
          {
            key: 'threshold:blood-pressure',
            severity: 'red',
            count: 2,
            nb: 'Blodtrykk 192/114 mmHg (rød grense systolisk ≥ 180 mmHg, diastolisk ≥ 110 mmHg)',
            en: 'Blood pressure 192/114 mmHg (red limit systolic ≥ 180 mmHg, diastolic ≥ 110 mmHg)',
          },
        ],
        { actions: ['update threshold:blood-pressure red #2 escalated'] },
      ),
    ],
  },

  {
    title:
      'Hypoglykemi: 3,6 gult, 2,7 rødt, 4,1 etter druesukker er ennå ikke over (hysterese), 5,8 er over',
    conditions: ['diabetes'],
    steps: [
      measure('2026-06-10T06:45+02:00', { 'blood-glucose': 3.6 }),
      expectAlerts([
        {
          key: 'threshold:blood-glucose',
          severity: 'yellow',
          count: 1,
          nb: 'Blodsukker 3,6 mmol/L (gul grense < 4,0 mmol/L)',
        },
      ]),
      measure('2026-06-10T07:00+02:00', { 'blood-glucose': 2.7 }),
      expectAlerts([
        {
          key: 'threshold:blood-glucose',
          severity: 'red',
          count: 2,
          nb: 'Blodsukker 2,7 mmol/L (rød grense < 3,0 mmol/L)',
        },
      ]),
      measure('2026-06-10T07:15+02:00', { 'blood-glucose': 4.1 }),
      expectAlerts([{ key: 'threshold:blood-glucose', severity: 'red', count: 2 }], {
        actions: [],
      }),
      measure('2026-06-10T07:30+02:00', { 'blood-glucose': 5.8 }),
      expectAlerts(
        [{ key: 'threshold:blood-glucose', severity: 'red', count: 2, isActive: false }],
        {
          actions: ['clear threshold:blood-glucose'],
        },
      ),
    ],
  },

  {
    title: 'Hyperglykemi: over 13,9 gult, 22,4 rødt, 12,0 tre timer etter insulin er over',
    conditions: ['diabetes'],
    steps: [
      measure('2026-06-11T17:00+02:00', { 'blood-glucose': 14.6 }),
      expectAlerts([
        {
          key: 'threshold:blood-glucose',
          severity: 'yellow',
          count: 1,
          nb: 'Blodsukker 14,6 mmol/L (gul grense > 13,9 mmol/L)',
        },
      ]),
      measure('2026-06-11T19:00+02:00', { 'blood-glucose': 22.4 }),
      expectAlerts([
        {
          key: 'threshold:blood-glucose',
          severity: 'red',
          count: 2,
          nb: 'Blodsukker 22,4 mmol/L (rød grense ≥ 20,0 mmol/L)',
        },
      ]),
      measure('2026-06-11T22:00+02:00', { 'blood-glucose': 12.0 }),
      expectAlerts([
        { key: 'threshold:blood-glucose', severity: 'red', count: 2, isActive: false },
      ]),
    ],
  },

  {
    title:
      'Manglende morgenvekt: varsel kl. 10:00, ikke gjentatt, over når vekten kommer; ny dag etter at sykepleier avsluttet gir nytt varsel',
    conditions: ['heart-failure'],
    steps: [
      measure('2026-02-10T07:30+01:00', { 'body-weight': 80.0 }),
      clock('2026-02-11T09:59+01:00'),
      expectAlerts([]),
      clock('2026-02-11T10:00+01:00'),
      expectAlerts([
        {
          key: 'missed:body-weight',
          severity: 'yellow',
          count: 1,
          nb: 'Manglende måling: vekt ikke målt innen kl. 10:00 onsdag 11.02.',
        },
      ]),
      clock('2026-02-11T10:05+01:00'),
      clock('2026-02-11T10:30+01:00'),
      expectAlerts([{ key: 'missed:body-weight', severity: 'yellow', count: 1 }], { actions: [] }),
      measure('2026-02-11T10:40+01:00', { 'body-weight': 80.3 }),
      expectAlerts([{ key: 'missed:body-weight', severity: 'yellow', count: 1, isActive: false }], {
        actions: ['clear missed:body-weight'],
      }),
      nurseResolves('missed:body-weight'),
      clock('2026-02-12T10:01+01:00'),
      expectAlerts(
        [
          {
            key: 'missed:body-weight',
            severity: 'yellow',
            count: 1,
            nb: 'Manglende måling: vekt ikke målt innen kl. 10:00 torsdag 12.02.',
          },
        ],
        {
          actions: ['open missed:body-weight yellow'],
        },
      ),
    ],
  },

  {
    title:
      'Manglende morgenvekt over sommertid (søndag 29. mars): fristen er 10:00 norsk tid = 08:00Z, ikke 09:00Z',
    conditions: ['heart-failure'],
    steps: [
      measure('2026-03-28T08:00+01:00', { 'body-weight': 80.0 }),
      // Saturday late evening is not Sunday morning's weight.
      measure('2026-03-28T23:30+01:00', { 'body-weight': 80.4 }),
      clock('2026-03-29T09:59+02:00'),
      expectAlerts([]),
      clock('2026-03-29T10:00+02:00'),
      expectAlerts([
        {
          key: 'missed:body-weight',
          severity: 'yellow',
          count: 1,
          nb: 'Manglende måling: vekt ikke målt innen kl. 10:00 søndag 29.03.',
        },
      ]),
      clock('2026-03-29T11:00+02:00'),
      expectAlerts([{ key: 'missed:body-weight', severity: 'yellow', count: 1 }], { actions: [] }),
    ],
  },

  {
    title:
      'Manglende morgenvekt over vintertid (søndag 25. oktober): 09:30 norsk tid er før fristen selv om det er 08:30Z',
    conditions: ['heart-failure'],
    steps: [
      measure('2026-10-24T07:30+02:00', { 'body-weight': 91.2 }),
      clock('2026-10-25T09:30+01:00'),
      expectAlerts([]),
      clock('2026-10-25T10:00+01:00'),
      expectAlerts([
        {
          key: 'missed:body-weight',
          severity: 'yellow',
          count: 1,
          nb: 'Manglende måling: vekt ikke målt innen kl. 10:00 søndag 25.10.',
        },
      ]),
      measure('2026-10-26T07:00+01:00', { 'body-weight': 91.0 }),
      expectAlerts([{ key: 'missed:body-weight', severity: 'yellow', count: 1, isActive: false }]),
    ],
  },

  {
    title:
      'Sene data (lagre-og-send etter to døgn uten nett): målinger over 24 t gamle blir historikk og varsler ingen',
    conditions: ['copd'],
    steps: [
      measure('2026-03-01T09:00+01:00', { spo2: 91, pulse: 80 }),
      storeAndForward('2026-03-05T12:00+01:00', [
        reading('2026-03-03T09:00+01:00', { spo2: 82, pulse: 112 }), // 51 h old: late
        reading('2026-03-04T09:00+01:00', { spo2: 83, pulse: 110 }), // 27 h old: late
      ]),
      expectAlerts([], { actions: [] }),
      // The same flush with one reading still under 24 h old: that one is judged.
      storeAndForward('2026-03-05T12:05+01:00', [
        reading('2026-03-04T13:00+01:00', { spo2: 86, pulse: 96 }),
      ]),
      expectAlerts([
        {
          key: 'threshold:spo2',
          severity: 'yellow',
          count: 1,
          nb: 'Oksygenmetning 86 % (gul grense ≤ 87 %)',
        },
      ]),
    ],
  },

  {
    title:
      'Verdier som vipper rundt grensen (SpO2 93/94, gul ≤ 93): ett varsel, ingen blinking; over først ved 95',
    conditions: [],
    steps: [
      measure('2026-04-01T08:00+02:00', { spo2: 93 }),
      measure('2026-04-01T09:00+02:00', { spo2: 94 }),
      measure('2026-04-01T10:00+02:00', { spo2: 93 }),
      measure('2026-04-01T11:00+02:00', { spo2: 94 }),
      measure('2026-04-01T12:00+02:00', { spo2: 93 }),
      expectAlerts([{ key: 'threshold:spo2', severity: 'yellow', count: 3 }], {
        actions: [
          'open threshold:spo2 yellow',
          'update threshold:spo2 yellow #2',
          'update threshold:spo2 yellow #3',
        ],
      }),
      measure('2026-04-01T13:00+02:00', { spo2: 95 }),
      measure('2026-04-01T14:00+02:00', { spo2: 94 }),
      measure('2026-04-01T15:00+02:00', { spo2: 93 }),
      expectAlerts([{ key: 'threshold:spo2', severity: 'yellow', count: 4 }], {
        actions: ['clear threshold:spo2', 'update threshold:spo2 yellow #4'],
      }),
    ],
  },

  {
    title:
      'KOLS, brått fall fra stabil baseline rett under rød grense: ett rødt varsel, ikke i tillegg et baseline-varsel for samme måling',
    conditions: ['copd'],
    steps: [
      ...daily('2026-02-01', 14, '09:00+01:00', () => ({ spo2: 92 })),
      expectAlerts([]),
      measure('2026-02-15T09:00+01:00', { spo2: 81 }),
      expectAlerts([
        { key: 'threshold:spo2', severity: 'red', count: 1, nb: 'Oksygenmetning 81 % (rød grense ≤ 83 %)' },
      ]),
    ],
  },

  {
    title: 'Gjentatte røde verdier: ett varsel som oppdateres med antall og siste verdi',
    conditions: [],
    steps: [
      measure('2026-04-02T13:00+02:00', { spo2: 88 }),
      measure('2026-04-02T14:00+02:00', { spo2: 87 }),
      measure('2026-04-02T15:00+02:00', { spo2: 89 }),
      measure('2026-04-02T16:00+02:00', { spo2: 88 }),
      expectAlerts(
        [
          {
            key: 'threshold:spo2',
            severity: 'red',
            count: 4,
            nb: 'Oksygenmetning 88 % (rød grense ≤ 91 %)',
          },
        ],
        {
          actions: [
            'open threshold:spo2 red',
            'update threshold:spo2 red #2',
            'update threshold:spo2 red #3',
            'update threshold:spo2 red #4',
          ],
        },
      ),
    ],
  },

  {
    title:
      'Samlet NEWS2 5 uten at noen enkeltverdi er gul (fem parametre med 1 poeng hver, målt innen en time)',
    conditions: [],
    steps: [
      measure('2026-09-01T10:00+02:00', { spo2: 95, pulse: 100 }),
      measure('2026-09-01T10:05+02:00', { 'bp-systolic': 108, 'bp-diastolic': 70, pulse: 98 }),
      measure('2026-09-01T10:07+02:00', { 'body-temperature': 38.5 }),
      expectAlerts([]),
      measure('2026-09-01T10:10+02:00', { 'respiratory-rate': 11 }),
      expectAlerts([
        {
          key: 'news2',
          severity: 'yellow',
          count: 1,
          nb: 'NEWS2-skår 5 fra 5 målte parametre: respirasjonsfrekvens 1, oksygenmetning 1, systolisk blodtrykk 1, puls 1, temperatur 1 (gul grense ≥ 5)',
        },
      ]),
    ],
  },

  {
    title:
      'Pause i tjenesten (sykehusopphold): ingen manglende målinger eller frakoblet basestasjon; varsler igjen dagen etter pausen',
    conditions: ['heart-failure'],
    pauses: [{ from: '2026-03-10T14:00+01:00', until: '2026-03-14T12:00+01:00' }],
    steps: [
      measure('2026-03-10T07:30+01:00', { 'body-weight': 84.0 }),
      clock('2026-03-11T10:00+01:00'),
      gateway('2026-03-12T10:00+01:00', { state: 'offline', lastSeenAt: '2026-03-10T15:00+01:00' }),
      clock('2026-03-14T10:00+01:00'),
      expectAlerts([]),
      gateway('2026-03-14T13:00+01:00', { state: 'online', lastSeenAt: '2026-03-14T13:00+01:00' }),
      clock('2026-03-15T10:01+01:00'),
      expectAlerts([{ key: 'missed:body-weight', severity: 'yellow', count: 1 }]),
    ],
  },

  {
    title:
      'Måleutstyr: basestasjon frakoblet i 24 timer gir ett gult varsel; tilbake på nett med lavt batteri; oksymeter med lavt batteri',
    conditions: [],
    steps: [
      gateway('2026-04-01T20:00+02:00', { state: 'offline', lastSeenAt: '2026-04-01T08:00+02:00' }),
      expectAlerts([]),
      gateway('2026-04-02T08:00+02:00', { state: 'offline', lastSeenAt: '2026-04-01T08:00+02:00' }),
      gateway('2026-04-02T12:00+02:00', { state: 'offline', lastSeenAt: '2026-04-01T08:00+02:00' }),
      expectAlerts([
        {
          key: 'device:gateway-offline',
          severity: 'yellow',
          count: 1,
          nb: 'Basestasjon G-1 frakoblet i 24 timer, sist sett 01.04. kl. 08:00 (gul grense ≥ 24 timer)',
        },
      ]),
      gateway('2026-04-02T13:00+02:00', {
        state: 'online',
        lastSeenAt: '2026-04-02T13:00+02:00',
        battery: 15,
      }),
      measure('2026-04-02T13:10+02:00', { spo2: 97, pulse: 70 }, { battery: 12 }),
      expectAlerts([
        { key: 'device:gateway-offline', severity: 'yellow', count: 1, isActive: false },
        {
          key: 'device:low-battery:G-1',
          severity: 'yellow',
          count: 1,
          nb: 'Lavt batteri på basestasjon G-1: 15 % (gul grense ≤ 20 %)',
        },
        {
          key: 'device:low-battery:OX-1',
          severity: 'yellow',
          count: 1,
          nb: 'Lavt batteri på måleutstyr OX-1: 12 % (gul grense ≤ 20 %)',
        },
      ]),
    ],
  },

  {
    title:
      'Lege overstyrer KOLS-grensene for én pasient (rød ≤ 85 %): varselet bærer regelversjonen',
    conditions: ['copd'],
    overrides: [
      {
        ruleId: 'threshold:spo2',
        version: 1,
        params: {
          vitals: [
            {
              vital: 'spo2',
              red: { low: { value: 85, isInclusive: true } },
              yellow: { low: { value: 88, isInclusive: true } },
            },
          ],
        },
        setBy: { id: 'u-17', hprNumber: '9144889' },
        setAt: '2026-04-20T12:00:00Z',
        reason: 'Hyperkapnisk, langtids-O2 vurderes',
      },
    ],
    steps: [
      measure('2026-04-21T09:00+02:00', { spo2: 88 }),
      expectAlerts([
        {
          key: 'threshold:spo2',
          severity: 'yellow',
          count: 1,
          version: 'default:2026.1+override:1',
          nb: 'Oksygenmetning 88 % (gul grense ≤ 88 %)',
        },
      ]),
      measure('2026-04-21T12:00+02:00', { spo2: 85 }),
      expectAlerts([
        {
          key: 'threshold:spo2',
          severity: 'red',
          count: 2,
          version: 'default:2026.1+override:1',
          nb: 'Oksygenmetning 85 % (rød grense ≤ 85 %)',
        },
      ]),
    ],
  },

  {
    title: 'KOLS-test (CAT) over uker: høy påvirkning varsler én gang, svært høy blir rød, bedring under dødbåndet avslutter',
    conditions: ['copd'],
    steps: [
      measure('2026-03-02T10:00+01:00', { 'cat-score': 18 }),
      expectAlerts([]),
      measure('2026-03-09T10:00+01:00', { 'cat-score': 22 }),
      expectAlerts([
        { key: 'threshold:cat-score', severity: 'yellow', count: 1, nb: 'KOLS-test (CAT) 22 /40 (gul grense ≥ 21 /40)' },
      ], { actions: ['open threshold:cat-score yellow'] }),
      // still high and worse: the open alert is updated, no second one opened
      measure('2026-03-16T10:00+01:00', { 'cat-score': 24 }),
      expectAlerts([{ key: 'threshold:cat-score', severity: 'yellow', count: 2 }]),
      measure('2026-03-23T10:00+01:00', { 'cat-score': 32 }),
      expectAlerts([
        { key: 'threshold:cat-score', severity: 'red', count: 3, nb: 'KOLS-test (CAT) 32 /40 (rød grense ≥ 31 /40)' },
      ]),
      // 20 is inside the 2-point dead band under 21: still active; 18 is clear of it
      measure('2026-03-30T10:00+01:00', { 'cat-score': 20 }),
      expectAlerts([{ key: 'threshold:cat-score', severity: 'red', count: 3 }]),
      measure('2026-04-06T10:00+02:00', { 'cat-score': 18 }),
      expectAlerts([{ key: 'threshold:cat-score', severity: 'red', count: 3, isActive: false }]),
    ],
  },

  {
    title: 'Sykepleier hever CAT-grensen for én pasient (gul ≥ 25): 24 varsler ikke, 26 gjør, med regelversjonen',
    conditions: ['copd'],
    overrides: [
      {
        ruleId: 'threshold:cat-score',
        version: 1,
        params: { vitals: [{ vital: 'cat-score', yellow: { high: { value: 25, isInclusive: true } } }] },
        setBy: { id: 'u-17', hprNumber: '9144889' },
        setAt: '2026-03-01T12:00:00Z',
        reason: 'Stabil på 22–24 i lang tid',
      },
    ],
    steps: [
      measure('2026-03-02T10:00+01:00', { 'cat-score': 24 }),
      expectAlerts([]),
      measure('2026-03-09T10:00+01:00', { 'cat-score': 26 }),
      expectAlerts([{ key: 'threshold:cat-score', severity: 'yellow', count: 1, version: 'default:2026.1+override:1' }]),
    ],
  },

  {
    title: 'Dagsform: «dårlig» er gul, «svært dårlig» rød, én gang; «middels» er ikke noe varsel',
    conditions: [],
    steps: [
      measure('2026-03-02T08:00+01:00', { wellbeing: 3 }),
      expectAlerts([]),
      measure('2026-03-03T08:00+01:00', { wellbeing: 2 }),
      expectAlerts([{ key: 'threshold:wellbeing', severity: 'yellow', count: 1, nb: 'Dagsform 2 /5 (gul grense ≤ 2 /5)' }]),
      measure('2026-03-04T08:00+01:00', { wellbeing: 1 }),
      expectAlerts([{ key: 'threshold:wellbeing', severity: 'red', count: 2, nb: 'Dagsform 1 /5 (rød grense ≤ 1 /5)' }]),
    ],
  },

  {
    title: 'Samme batch levert to ganger (tapt PUBACK): ingen dobbel telling',
    conditions: [],
    steps: [
      measure('2026-04-03T09:00+02:00', { spo2: 89 }, { id: 'm-77' }),
      measure('2026-04-03T09:00+02:00', { spo2: 89 }, { id: 'm-77' }),
      expectAlerts([{ key: 'threshold:spo2', severity: 'red', count: 1 }], {
        actions: ['open threshold:spo2 red'],
      }),
    ],
  },
]

/** One reading, one answer: where each profile puts its limits. */
const singleReadings: { who: ConditionId[]; values: Values; alerts: Expected[] }[] = [
  { who: [], values: { spo2: 94 }, alerts: [] },
  { who: [], values: { spo2: 93 }, alerts: [{ key: 'threshold:spo2', severity: 'yellow' }] },
  { who: [], values: { spo2: 91 }, alerts: [{ key: 'threshold:spo2', severity: 'red' }] },
  { who: ['copd'], values: { spo2: 88 }, alerts: [] },
  { who: ['copd'], values: { spo2: 87 }, alerts: [{ key: 'threshold:spo2', severity: 'yellow' }] },
  { who: ['copd'], values: { spo2: 83 }, alerts: [{ key: 'threshold:spo2', severity: 'red' }] },
  { who: ['copd', 'heart-failure'], values: { spo2: 89 }, alerts: [] },
  { who: [], values: { pulse: 110 }, alerts: [] },
  { who: [], values: { pulse: 111 }, alerts: [{ key: 'threshold:pulse', severity: 'yellow' }] },
  { who: [], values: { pulse: 131 }, alerts: [{ key: 'threshold:pulse', severity: 'red' }] },
  { who: [], values: { pulse: 40 }, alerts: [{ key: 'threshold:pulse', severity: 'red' }] },
  {
    who: [],
    values: { 'bp-systolic': 185, 'bp-diastolic': 100 },
    alerts: [{ key: 'threshold:blood-pressure', severity: 'yellow' }],
  },
  {
    who: ['hypertension'],
    values: { 'bp-systolic': 185, 'bp-diastolic': 100 },
    alerts: [{ key: 'threshold:blood-pressure', severity: 'red' }],
  },
  {
    who: ['hypertension'],
    values: { 'bp-systolic': 150, 'bp-diastolic': 112 },
    alerts: [{ key: 'threshold:blood-pressure', severity: 'red' }],
  },
  { who: ['hypertension'], values: { 'bp-systolic': 159, 'bp-diastolic': 99 }, alerts: [] },
  {
    who: ['hypertension'],
    values: { 'bp-systolic': 88, 'bp-diastolic': 55 },
    alerts: [{ key: 'threshold:blood-pressure', severity: 'red' }],
  },
  {
    who: [],
    values: { 'bp-systolic': 100, 'bp-diastolic': 60 },
    alerts: [{ key: 'threshold:blood-pressure', severity: 'yellow' }],
  },
  {
    who: [],
    values: { 'respiratory-rate': 21 },
    alerts: [{ key: 'threshold:respiratory-rate', severity: 'yellow' }],
  },
  {
    who: [],
    values: { 'respiratory-rate': 25 },
    alerts: [{ key: 'threshold:respiratory-rate', severity: 'red' }],
  },
  {
    who: [],
    values: { 'respiratory-rate': 8 },
    alerts: [{ key: 'threshold:respiratory-rate', severity: 'red' }],
  },
  { who: [], values: { 'body-temperature': 39.0 }, alerts: [] },
  {
    who: [],
    values: { 'body-temperature': 39.1 },
    alerts: [{ key: 'threshold:body-temperature', severity: 'yellow' }],
  },
  {
    who: [],
    values: { 'body-temperature': 35.0 },
    alerts: [{ key: 'threshold:body-temperature', severity: 'red' }],
  },
  { who: ['diabetes'], values: { 'blood-glucose': 4.0 }, alerts: [] },
  {
    who: ['diabetes'],
    values: { 'blood-glucose': 3.9 },
    alerts: [{ key: 'threshold:blood-glucose', severity: 'yellow' }],
  },
  {
    who: ['diabetes'],
    values: { 'blood-glucose': 3.0 },
    alerts: [{ key: 'threshold:blood-glucose', severity: 'yellow' }],
  },
  {
    who: ['diabetes'],
    values: { 'blood-glucose': 2.9 },
    alerts: [{ key: 'threshold:blood-glucose', severity: 'red' }],
  },
  { who: ['diabetes'], values: { 'blood-glucose': 13.9 }, alerts: [] },
  {
    who: ['diabetes'],
    values: { 'blood-glucose': 14.0 },
    alerts: [{ key: 'threshold:blood-glucose', severity: 'yellow' }],
  },
  {
    who: ['diabetes'],
    values: { 'blood-glucose': 20.0 },
    alerts: [{ key: 'threshold:blood-glucose', severity: 'red' }],
  },
  {
    who: [],
    values: { 'blood-glucose': 2.8 },
    alerts: [{ key: 'threshold:blood-glucose', severity: 'red' }],
  },
  { who: [], values: { 'blood-glucose': 25.0 }, alerts: [] },
  { who: ['heart-failure'], values: { 'body-weight': 130.0 }, alerts: [] },
  // the patient-reported scores (ADR 0042): CAT only for COPD (impact bands), the daily question for all
  { who: ['copd'], values: { 'cat-score': 20 }, alerts: [] },
  { who: ['copd'], values: { 'cat-score': 21 }, alerts: [{ key: 'threshold:cat-score', severity: 'yellow' }] },
  { who: ['copd'], values: { 'cat-score': 30 }, alerts: [{ key: 'threshold:cat-score', severity: 'yellow' }] },
  { who: ['copd'], values: { 'cat-score': 31 }, alerts: [{ key: 'threshold:cat-score', severity: 'red' }] },
  { who: [], values: { 'cat-score': 35 }, alerts: [] },
  { who: [], values: { wellbeing: 3 }, alerts: [] },
  { who: [], values: { wellbeing: 2 }, alerts: [{ key: 'threshold:wellbeing', severity: 'yellow' }] },
  { who: ['copd'], values: { wellbeing: 1 }, alerts: [{ key: 'threshold:wellbeing', severity: 'red' }] },
]

describe('clinical scenarios', () => {
  for (const scenario of scenarios) {
    it(scenario.title, () => runScenario(scenario))
  }
})

describe('one reading, one answer', () => {
  for (const { who, values, alerts } of singleReadings) {
    const patient = who.length === 0 ? 'general' : who.join(' + ')
    const reading = Object.entries(values)
      .map(([type, value]) => `${type} ${value}`)
      .join(', ')
    const answer = alerts.map((a) => `${a.key} ${a.severity}`).join(', ') || 'no alert'
    it(`${patient}: ${reading} → ${answer}`, () =>
      runScenario({
        title: '',
        conditions: who,
        steps: [
          measure('2026-04-15T09:00+02:00', values),
          expectAlerts(alerts.map((a) => ({ count: 1, ...a }))),
        ],
      }))
  }
})

// ---------------------------------------------------------------------------
// How the scenarios run: a small in-memory platform around the pure engine.
// ---------------------------------------------------------------------------

type Values = Partial<Record<VitalType, number>>

interface Expected {
  key: string
  severity: Severity
  count?: number
  /** Default true: the condition is still active. */
  isActive?: boolean
  /** Exact bokmål / English summary of the latest finding. */
  nb?: string
  en?: string
  version?: string
}

type Step =
  | { do: 'measure'; readings: Reading[]; arrivesAt: Date }
  | { do: 'clock'; at: Date }
  | { do: 'gateway'; at: Date; gateway: GatewayHealth }
  | { do: 'resolve'; key: string }
  | { do: 'expect'; alerts: Expected[]; actions?: string[] }

interface Scenario {
  title: string
  conditions: ConditionId[]
  overrides?: RuleOverrideInput[]
  pauses?: { from: string; until: string | null }[]
  steps: Step[]
}

/** Which home device measures what (a function, so the scenario table above can use it). */
function deviceFor(types: VitalType[]): string {
  if (types.includes('bp-systolic')) return 'BP-1'
  switch (types[0]) {
    case 'spo2':
    case 'pulse':
      return 'OX-1'
    case 'body-weight':
      return 'SC-1'
    case 'body-temperature':
      return 'TH-1'
    case 'blood-glucose':
      return 'GL-1'
    case 'cat-score':
    case 'wellbeing':
      return 'self-report'
    default:
      return 'RR-1'
  }
}

/** One measurement from one device (a cuff gives systolic, diastolic and pulse together). */
function reading(
  at: string,
  values: Values,
  options: { battery?: number; id?: string } = {},
): Reading[] {
  const types = Object.keys(values) as VitalType[]
  const device = deviceFor(types)
  const measurementId = options.id ?? `${device}@${at}`
  return types.map((type) => ({
    measurementId,
    deviceId: device,
    type,
    value: values[type] as number,
    unit: VITAL_TYPES[type].unit,
    originalValue: null,
    originalUnit: null,
    measuredAt: new Date(at),
    flags: [],
    battery: options.battery ?? null,
    source: VITAL_TYPES[type].origin === 'patient' ? 'patient' : 'decoded',
  }))
}

/** Measured and sent at once (arrives 20 s later). */
function measure(
  at: string,
  values: Values,
  options: { battery?: number; id?: string } = {},
): Step {
  return {
    do: 'measure',
    readings: reading(at, values, options),
    arrivesAt: new Date(new Date(at).getTime() + 20_000),
  }
}

/** Measured earlier, sent together when the gateway is back; ingest flags those over 24 h old `late`. */
function storeAndForward(arrivesAt: string, measurements: Reading[][]): Step {
  const arrival = new Date(arrivesAt)
  const readings = measurements
    .flat()
    .map((r): Reading =>
      arrival.getTime() - r.measuredAt.getTime() > 24 * 3_600_000 ? { ...r, flags: ['late'] } : r,
    )
  return { do: 'measure', readings, arrivesAt: arrival }
}

/** `days` mornings from `firstDate` at the same wall-clock time. */
function daily(
  firstDate: string,
  days: number,
  timeWithOffset: string,
  values: (day: number) => Values,
): Step[] {
  const first = new Date(`${firstDate}T${timeWithOffset}`)
  return Array.from({ length: days }, (_, day) => {
    const at = new Date(first.getTime() + day * 86_400_000).toISOString()
    return measure(at, values(day))
  })
}

function clock(at: string): Step {
  return { do: 'clock', at: new Date(at) }
}

function gateway(
  at: string,
  status: { state: 'online' | 'offline'; lastSeenAt: string; battery?: number },
): Step {
  return {
    do: 'gateway',
    at: new Date(at),
    gateway: {
      gatewayId: 'G-1',
      state: status.state,
      lastSeenAt: new Date(status.lastSeenAt),
      battery: status.battery ?? null,
    },
  }
}

function nurseResolves(key: string): Step {
  return { do: 'resolve', key }
}

function expectAlerts(alerts: Expected[], options: { actions?: string[] } = {}): Step {
  return { do: 'expect', alerts, ...options }
}

interface StoredAlert extends OpenAlertState {
  ruleVersion: string
  summary: { nb: string; en: string }
}

function describeAction(action: AlertAction): string {
  if (action.kind === 'open') return `open ${action.alert.alertKey} ${action.alert.severity}`
  if (action.kind === 'update') {
    return `update ${action.alertKey} ${action.severity} #${action.count}${action.isEscalated ? ' escalated' : ''}`
  }
  return `clear ${action.alertKey}`
}

function runScenario(scenario: Scenario): void {
  const ruleSet = resolvePatientRules(
    scenario.conditions,
    (scenario.overrides ?? []).map((o) => ruleOverrideSchema.parse(o)),
  )
  const pauses: ServicePause[] = (scenario.pauses ?? []).map((p) => ({
    from: new Date(p.from),
    until: p.until === null ? null : new Date(p.until),
  }))
  const firstStep = scenario.steps[0]
  const serviceStartedAt =
    firstStep?.do === 'measure'
      ? firstStep.readings[0]?.measuredAt
      : firstStep && 'at' in firstStep
        ? firstStep.at
        : undefined

  const stored: Reading[] = []
  const alerts = new Map<string, StoredAlert>()
  let gatewayStatus: GatewayHealth | null = null
  let actionsSinceCheck: string[] = []

  const apply = (actions: AlertAction[]) => {
    for (const action of actions) {
      actionsSinceCheck.push(describeAction(action))
      if (action.kind === 'open') {
        if (alerts.has(action.alert.alertKey))
          throw new Error(`second open alert for ${action.alert.alertKey}`)
        const a = action.alert
        alerts.set(a.alertKey, {
          alertKey: a.alertKey,
          ruleId: a.ruleId,
          severity: a.severity,
          count: a.count,
          isConditionActive: a.isConditionActive,
          lastTriggeredAt: a.triggeredAt,
          ruleVersion: a.ruleVersion,
          summary: a.summary,
        })
        continue
      }
      const alert = alerts.get(action.alertKey)
      if (!alert) throw new Error(`${action.kind} of an alert that is not open: ${action.alertKey}`)
      if (action.kind === 'update') {
        Object.assign(alert, {
          severity: action.severity,
          count: action.count,
          isConditionActive: true,
          lastTriggeredAt: action.lastTriggeredAt,
          ruleVersion: action.finding.ruleVersion,
          summary: action.finding.summary,
        })
      } else {
        alert.isConditionActive = false
      }
    }
  }

  const runClock = (now: Date) => {
    const lastReadingAtByType: Partial<Record<VitalType, Date>> = {}
    for (const r of stored) {
      const seen = lastReadingAtByType[r.type]
      if (!seen || seen < r.measuredAt) lastReadingAtByType[r.type] = r.measuredAt
    }
    apply(
      evaluateSchedules({
        ruleSet,
        lastReadingAtByType,
        openAlerts: [...alerts.values()],
        now,
        pauses,
        serviceStartedAt,
      }),
    )
    apply(
      evaluateDeviceHealth({
        ruleSet,
        gateway: gatewayStatus,
        devices: latestDeviceBatteries(stored),
        openAlerts: [...alerts.values()],
        now,
        pauses,
      }),
    )
  }

  for (const step of scenario.steps) {
    switch (step.do) {
      case 'measure': {
        const now = step.arrivesAt
        apply(
          evaluateReadings({
            ruleSet,
            readings: step.readings,
            history: [...stored],
            openAlerts: [...alerts.values()],
            now,
          }),
        )
        for (const r of step.readings) {
          const isDuplicate = stored.some(
            (s) =>
              s.measurementId === r.measurementId &&
              s.type === r.type &&
              s.measuredAt.getTime() === r.measuredAt.getTime(),
          )
          if (!isDuplicate) stored.push(r)
        }
        runClock(now)
        break
      }
      case 'clock':
        runClock(step.at)
        break
      case 'gateway':
        gatewayStatus = step.gateway
        runClock(step.at)
        break
      case 'resolve':
        alerts.delete(step.key)
        break
      case 'expect': {
        const actual = [...alerts.values()]
          .map((a) => ({
            key: a.alertKey,
            severity: a.severity,
            count: a.count,
            isActive: a.isConditionActive,
            ...(step.alerts.find((e) => e.key === a.alertKey)?.nb !== undefined
              ? { nb: a.summary.nb }
              : {}),
            ...(step.alerts.find((e) => e.key === a.alertKey)?.en !== undefined
              ? { en: a.summary.en }
              : {}),
            ...(step.alerts.find((e) => e.key === a.alertKey)?.version !== undefined
              ? { version: a.ruleVersion }
              : {}),
          }))
          .sort((a, b) => a.key.localeCompare(b.key))
        const expected = step.alerts
          .map((e) => ({ isActive: true, ...e, count: e.count ?? 1 }))
          .sort((a, b) => a.key.localeCompare(b.key))
        expect(actual).toEqual(expected)
        if (step.actions) expect(actionsSinceCheck).toEqual(step.actions)
        actionsSinceCheck = []
        break
      }
    }
  }
}
