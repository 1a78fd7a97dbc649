/**
 * Preloaded into each platform process by the memory soak (`node --expose-gc
 * --import …/memory-probe.js`): on SIGUSR2 it collects garbage, so the heap
 * figure is what is still referenced and not what the collector has not yet
 * reached, and prints one JSON line with the process's memory. A signal and
 * not a timer: the soak takes the samples when it wants them, from outside,
 * and the platform's own code is not touched.
 */
const collect = (globalThis as { gc?: () => void }).gc

process.on('SIGUSR2', () => {
  collect?.()
  const m = process.memoryUsage()
  process.stdout.write(`${JSON.stringify({ event: 'memory-sample', rss: m.rss, heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external, arrayBuffers: m.arrayBuffers })}\n`)
})
