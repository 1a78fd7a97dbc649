/**
 * Progress on stderr, so stdout stays clean for results (and --json). On a
 * terminal one line is rewritten in place; otherwise (CI logs) a line is
 * printed at most every few seconds.
 */
export class ProgressLine {
  private lastPrinted = 0
  private isShowing = false

  constructor(
    private readonly isEnabled: boolean,
    private readonly stream: NodeJS.WriteStream = process.stderr,
    private readonly plainEveryMs = 5000,
  ) {}

  update(text: string): void {
    if (!this.isEnabled) return
    if (this.stream.isTTY) {
      const width = Math.max(20, (this.stream.columns ?? 100) - 1)
      this.stream.write(`\r\x1b[2K${text.slice(0, width)}`)
      this.isShowing = true
      return
    }
    const now = Date.now()
    if (now - this.lastPrinted < this.plainEveryMs) return
    this.lastPrinted = now
    this.stream.write(`${text}\n`)
  }

  /** Clears the line, or prints `text` as the final line. */
  done(text?: string): void {
    if (!this.isEnabled) return
    if (this.isShowing) this.stream.write('\r\x1b[2K')
    this.isShowing = false
    if (text !== undefined) this.stream.write(`${text}\n`)
  }

  /** Prints a line of its own, keeping the progress line below it. */
  log(text: string): void {
    if (!this.isEnabled) return
    if (this.isShowing) this.stream.write('\r\x1b[2K')
    this.isShowing = false
    this.stream.write(`${text}\n`)
  }
}
