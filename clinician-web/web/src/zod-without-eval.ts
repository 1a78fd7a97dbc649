import { config } from 'zod'

// The portal runs under a CSP without 'unsafe-eval' (clinician-web/server
// security-headers.ts). zod, which @varde/domain's schemas use, probes for
// eval with `new Function('')` before its first parse, and Chromium reports
// that as a CSP violation; jitless, it never tries. Imported first by main.tsx.
config({ jitless: true })
