/**
 * The times of load readings, so that no two readings of one device are
 * alike. Under load a gateway sends far more readings a second than a home
 * takes in a day; with the protocol's whole-second times, one device's
 * readings of one second would be the same measurement by device-protocol.md
 * "Delivery, second key" (device, type, value, measuredAt) and be answered
 * `duplicate`. Each device's next reading is therefore at least a second
 * before its last: under load its clock runs back from now, a second per
 * reading of that device (bench:ingest's sustained stages, some 60 readings
 * a second per device, an hour a minute). Readings more than 24 h old are
 * still accepted, flagged `late`.
 */
export class ReadingClock {
  private readonly last = new Map<string, number>()

  /** The time for a reading of `deviceKey` wanted at `wanted`: a whole second, earlier than the device's last one. */
  next(deviceKey: string, wanted: Date): Date {
    const second = Math.floor(wanted.getTime() / 1000) * 1000
    const last = this.last.get(deviceKey)
    const at = last === undefined || second < last ? second : last - 1000
    this.last.set(deviceKey, at)
    return new Date(at)
  }
}
