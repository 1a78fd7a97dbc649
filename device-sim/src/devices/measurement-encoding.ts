import {
  dateTimeFromDate,
  encodeBloodPressureMeasurement,
  encodeGlucoseMeasurement,
  encodePlxSpotCheckMeasurement,
  encodeTemperatureMeasurement,
  encodeWeightMeasurement,
  gattMeasurement,
  VITAL_TYPES,
  type GattValue,
  type Measurement,
  type VitalType,
} from '@varde/domain'
import { DEVICE_CHARACTERISTIC, DEVICE_VITALS, type DeviceEncoding, type SimDevice } from './device-kinds.js'

/** Values one device read at one moment, before the gateway puts them into a batch. */
export interface DeviceReading {
  device: SimDevice
  /** The true instant of the measurement. */
  at: Date
  values: Partial<Record<VitalType, number>>
}

export interface EncodeContext {
  /** The gateway's stamp for an instant: its own (possibly wrong) clock, with offset. */
  stampTime(at: Date): string
  /** Overrides the device's encoding. */
  encoding?: DeviceEncoding
  /** Makes a measurement id unique within the batch; gets a suffix such as `bp-monitor` or `scale.body-weight`. */
  idFor(suffix: string): string
  /** Minutes east of UTC of the home's zone at an instant: device clocks show local time. Default 0. */
  localOffsetMinutes?(at: Date): number
}

/**
 * The seam between what a device measured and what the gateway sends
 * (device-protocol.md "Measurement batch"): either one decoded reading per
 * value, or the device's raw characteristic value, which the platform
 * decodes itself. Everything about GATT bytes lives in `@varde/domain`'s encoders.
 */
export function encodeDeviceReading(reading: DeviceReading, context: EncodeContext): Measurement[] {
  const { device, at, values } = reading
  const measuredAt = context.stampTime(at)
  const battery = device.battery === null ? {} : { battery: Math.round(device.battery) }
  const encoding = context.encoding ?? device.encoding
  if (encoding === 'gatt') {
    return [
      {
        id: context.idFor(device.kind),
        deviceId: device.deviceId,
        gatt: encodeGatt(reading, context.localOffsetMinutes?.(at) ?? 0),
        measuredAt,
        ...battery,
      },
    ]
  }
  return DEVICE_VITALS[device.kind]
    .filter((type) => values[type] !== undefined)
    .map((type) => ({
      id: context.idFor(`${device.kind}.${type}`),
      deviceId: device.deviceId,
      type,
      value: values[type] as number,
      unit: VITAL_TYPES[type].unit,
      measuredAt,
      ...battery,
    }))
}

/** The device's characteristic value for its reading, base64 in the protocol's `gatt` object. */
export function encodeGatt(reading: DeviceReading, localOffsetMinutes = 0): GattValue {
  const { device, values } = reading
  const need = (type: VitalType): number => {
    const value = values[type]
    if (value === undefined) throw new RangeError(`${device.kind} reading has no ${type}`)
    return value
  }
  const characteristic = DEVICE_CHARACTERISTIC[device.kind]
  switch (device.kind) {
    case 'scale':
      return gattMeasurement(characteristic, encodeWeightMeasurement({ kg: need('body-weight') }))
    case 'oximeter':
      return gattMeasurement(characteristic, encodePlxSpotCheckMeasurement({ spo2: need('spo2'), pulse: need('pulse') }))
    case 'bp-monitor': {
      const systolic = need('bp-systolic')
      const diastolic = need('bp-diastolic')
      const pulse = values.pulse
      return gattMeasurement(
        characteristic,
        encodeBloodPressureMeasurement({
          systolic,
          diastolic,
          // Mean arterial pressure ≈ DBP + (SBP − DBP) / 3.
          map: Math.round(diastolic + (systolic - diastolic) / 3),
          unit: 'mmHg',
          ...(pulse === undefined ? {} : { pulse }),
        }),
      )
    }
    case 'thermometer':
      return gattMeasurement(characteristic, encodeTemperatureMeasurement({ temperature: need('body-temperature'), unit: 'Cel' }))
    case 'glucose-meter':
      return gattMeasurement(
        characteristic,
        encodeGlucoseMeasurement({
          sequenceNumber: Math.floor(reading.at.getTime() / 60_000) & 0xffff,
          // The meter's own clock, in local wall-clock time (Bluetooth Date Time has no zone).
          baseTime: dateTimeFromDate(reading.at, localOffsetMinutes),
          // The characteristic carries mol/L: 5.5 mmol/L is 0.0055.
          concentration: { value: Number((need('blood-glucose') / 1000).toPrecision(4)), unit: 'mol/L' },
        }),
      )
  }
}
