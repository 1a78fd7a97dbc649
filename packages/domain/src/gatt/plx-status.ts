import { ProtocolError } from '../errors.js'

/**
 * Status fields shared by both PLX measurements (Pulse Oximeter Service). Bits 0–4 of Measurement Status and
 * 16–23 of Device and Sensor Status are reserved.
 */
export type PlxMeasurementStatusFlag =
  | 'measurement-ongoing'
  | 'early-estimated-data'
  | 'validated-data'
  | 'fully-qualified-data'
  | 'data-from-measurement-storage'
  | 'data-for-demonstration'
  | 'data-for-testing'
  | 'calibration-ongoing'
  | 'measurement-unavailable'
  | 'questionable-measurement-detected'
  | 'invalid-measurement-detected'

export const PLX_MEASUREMENT_STATUS_BITS: readonly (PlxMeasurementStatusFlag | null)[] = [
  null,
  null,
  null,
  null,
  null,
  'measurement-ongoing',
  'early-estimated-data',
  'validated-data',
  'fully-qualified-data',
  'data-from-measurement-storage',
  'data-for-demonstration',
  'data-for-testing',
  'calibration-ongoing',
  'measurement-unavailable',
  'questionable-measurement-detected',
  'invalid-measurement-detected',
]

export type PlxDeviceAndSensorStatusFlag =
  | 'extended-display-update-ongoing'
  | 'equipment-malfunction-detected'
  | 'signal-processing-irregularity-detected'
  | 'inadequate-signal-detected'
  | 'poor-signal-detected'
  | 'low-perfusion-detected'
  | 'erratic-signal-detected'
  | 'nonpulsatile-signal-detected'
  | 'questionable-pulse-detected'
  | 'signal-analysis-ongoing'
  | 'sensor-interference-detected'
  | 'sensor-unconnected-to-user'
  | 'unknown-sensor-connected'
  | 'sensor-displaced'
  | 'sensor-malfunctioning'
  | 'sensor-disconnected'

export const PLX_DEVICE_AND_SENSOR_STATUS_BITS: readonly (PlxDeviceAndSensorStatusFlag | null)[] = [
  'extended-display-update-ongoing',
  'equipment-malfunction-detected',
  'signal-processing-irregularity-detected',
  'inadequate-signal-detected',
  'poor-signal-detected',
  'low-perfusion-detected',
  'erratic-signal-detected',
  'nonpulsatile-signal-detected',
  'questionable-pulse-detected',
  'signal-analysis-ongoing',
  'sensor-interference-detected',
  'sensor-unconnected-to-user',
  'unknown-sensor-connected',
  'sensor-displaced',
  'sensor-malfunctioning',
  'sensor-disconnected',
]

/**
 * Statuses by which the oximeter itself says the value is no patient reading:
 * none was taken, it is invalid, or it is demonstration or test data.
 * Questionable or early data is kept; the device still vouches for a value.
 */
const NOT_A_PATIENT_READING: readonly PlxMeasurementStatusFlag[] = [
  'measurement-unavailable',
  'invalid-measurement-detected',
  'data-for-demonstration',
  'data-for-testing',
]

/** Throws `gatt-decode` when the measurement status disowns the value. */
export function checkPlxMeasurementStatus(
  name: string,
  status: PlxMeasurementStatusFlag[] | null,
): void {
  const disowning = status?.filter((flag) => NOT_A_PATIENT_READING.includes(flag)) ?? []
  if (disowning.length > 0) {
    throw new ProtocolError('gatt-decode', `${name}: device reports ${disowning.join(', ')}`)
  }
}
