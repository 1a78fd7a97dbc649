/** Help texts. Written for testers: what each command does, every option, an example. */

export const MAIN_USAGE = `varde-sim: virtual homes for the Varde platform

Each home has a virtual patient (COPD, heart failure, diabetes, hypertension
or general), BLE devices (scale, pulse oximeter, BP monitor, thermometer,
glucose meter) and a gateway that talks to the platform over MQTT exactly
as a vendor's gateway would.

Usage:
  npm run sim -- <command> [options]

Commands:
  run <scenario> [...]   Play scenario files (YAML) against the platform;
                         with --expect, check what it stored and exit 1 on
                         any difference.
  homes                  Run N virtual homes that keep measuring until
                         stopped (Ctrl-C), like the demo feed.
  load                   Load test: N gateways at R measurements/s for T s;
                         prints throughput, receipt latency and errors.
  list                   List the scenarios in device-sim/scenarios.
  check <scenario> [...] Validate scenario files without connecting.
  clock                  Show the platform clock, or move it (demo and test
                         mode): e.g. jump two weeks with --advance 2w.
  help [command]         Show help for a command.

Connection options (all commands):
  --mqtt <url>       MQTT broker. Default mqtt://127.0.0.1:1883
                     (env VARDE_SIM_MQTT_URL, or the port from VARDE_MQTT_PORT)
  --http <url>       Platform HTTP, used to read results back. Default
                     http://127.0.0.1:8080 (env VARDE_SIM_HTTP_URL or VARDE_HTTP_PORT)
  -v, --verbose      Log what the gateways do (JSON lines on stderr)
  -q, --quiet        No progress, only the result
  -h, --help         Help

Start the platform first, in another terminal: npm start (portal
http://127.0.0.1:8080, login sykepleier / demo). Then e.g.:
  npm run sim -- list                              the scenarios
  npm run sim -- run copd-exacerbation --expect    a COPD exacerbation: watch
                                                   the alert open in Varsler
  npm run sim -- homes --count 5 --interval 10s
  npm run sim -- load --gateways 10 --rate 200 --duration 30
  npm run sim -- run --help                        options of one command

Exit codes: 0 fine, 1 differences or errors, 2 bad usage or scenario file.`

export const RUN_USAGE = `Usage: npm run sim -- run <scenario> [<scenario> ...] [options]

Plays each scenario as one home: connects its gateway, runs its steps
(readings from the patient model, hand-written batches, outages, re-sends,
wrong clocks, malformed payloads, rule changes) and waits for every receipt.
<scenario> is a file path, or the name of a file in device-sim/scenarios
(e.g. copd-exacerbation); "npm run sim -- list" shows them all.

With --expect it then reads back what the platform did and compares it with
the scenario's "expect:" section: receipts, commands, stored readings
(/fhir/Observation) and open alerts (/api/alerts), waiting up to the
scenario's "settle" (default 15 s) for the alerts to open. It prints PASS or
FAIL per scenario, names every difference, and exits 1 if any failed.

Options:
  --expect              Check the scenario's "expect:"; exit 1 on any difference
  --only <kinds>        Check only these, comma-separated: receipts, commands,
                        observations, alerts (receipts,commands need no HTTP API)
  --user <name>         Portal user for reading back. Default sykepleier (env VARDE_SIM_USER)
  --password <pw>       Its password. Default demo (env VARDE_SIM_PASSWORD)
  --gateway <id>        Run as this gateway instead of the file's
  --secret <secret>     Its secret. Default <gateway>-secret
  --seed <seed>         Another patient: overrides the file's seed
  --receipt-timeout <d> Give up waiting for a receipt after this. Default 60s
  --json                Print the results as JSON (one array) on stdout
  plus --mqtt, --http, --verbose, --quiet

Most scenarios take a few seconds; live-compressed takes 30 s, and
missed-measurements one to two minutes (it waits for a schedule's deadline).
Progress goes to stderr.

Examples:
  npm run sim -- run copd-exacerbation --expect
  npm run sim -- run device-sim/scenarios/*.yaml --expect
  npm run sim -- run wrong-clock --expect --only receipts,commands`

export const HOMES_USAGE = `Usage: npm run sim -- homes [options]

Runs N virtual homes until Ctrl-C (or --duration): every --interval each
home takes its next set of measurements (its day plan, compressed), homes
staggered so they do not all send at once. Gateways are <prefix><NNN>, as
the demo ones: demo-gw-001, demo-gw-002 ...

Options:
  --count <n>           Number of homes. Default 12
  --first <n>           Number of the first gateway. Default 1
  --prefix <text>       Gateway id prefix. Default demo-gw-
  --secret <template>   Gateway secret; {id} is the gateway id. Default {id}-secret
  --profiles <list>     Profiles given to the homes in turn, comma-separated.
                        Default copd,heart-failure,diabetes,hypertension
                        (known: copd, heart-failure, diabetes, hypertension, general;
                        join two with + for one patient, e.g. copd+heart-failure)
  --interval <d>        Time between one home's measurement sets. Default 60s
  --backfill <days>     First send this many days of history. Default 0
  --duration <d>        Stop by itself after this long. Default: run until Ctrl-C
  --seed <seed>         Base seed of the patients. Default demo
  --encoding <e>        decoded, gatt or mixed. Default mixed
  plus --mqtt, --verbose, --quiet

Durations: 500ms, 30s, 5m, 2h, 1d (a bare number is seconds).`

export const LOAD_USAGE = `Usage: npm run sim -- load [options]

Load test through the device protocol: N gateways together send R
measurements per second for T seconds in batches of B, then wait for the
last receipts and stop. Prints throughput, receipt latency (p50, p99),
rejections and errors. Exit 1 when a batch was rejected, lost or a gateway
could not connect.

Options:
  --gateways <n>        Number of gateways. Default 10
  --first <n>           Number of the first gateway. Default 1
  --prefix <text>       Gateway id prefix. Default demo-gw-
  --secret <template>   Gateway secret; {id} is the gateway id. Default {id}-secret
  --rate <r>            Measurements per second, all gateways together. Default 100
  --duration <d>        How long to send. Default 30s
  --batch-size <n>      Measurements per batch, 1-500. Default 10
  --drain <d>           How long to wait for the last receipts. Default 15s
  --encoding <e>        decoded, gatt or mixed. Default mixed
  --json                Print the report as JSON on stdout
  plus --mqtt, --verbose, --quiet

The demo platform has one gateway per demo patient (demo-gw-001 ...), so
--gateways above that number needs more provisioned gateways.`

export const LIST_USAGE = `Usage: npm run sim -- list

Lists the scenario files in device-sim/scenarios with their descriptions.`

export const CHECK_USAGE = `Usage: npm run sim -- check <scenario> [<scenario> ...]

Reads and validates scenario files without connecting; prints every problem
with its place in the file. Exit 2 when a file is invalid.`

export const CLOCK_USAGE = `Usage: npm run sim -- clock [--advance <d> | --offset <d> | --reset] [--speed <n>] [options]

Shows the platform's one clock (every part judges time by it: missed
measurements, pauses, escalation, start-up periods), or moves it, so a
patient goes through two weeks of start-up period in seconds instead of
two weeks. Moving it is an administrator's call (POST /api/admin/clock) and
works in demo and test mode only; production refuses.

Options:
  --advance <d>      Move the platform time on by <d> from where it is now
                     (14d, 2w, 3h30m, -1d)
  --offset <d>       Set the platform time <d> from the wall clock (0: none)
  --speed <n>        Platform seconds per wall second from now (1: real time;
                     86400: a day a second); alone it keeps the time
  --reset            Back to the wall clock
  --user <name>      Log in as (default: admin to move, VARDE_SIM_USER to show)
  --password <pw>    Default VARDE_SIM_PASSWORD or demo
  --http <url>       Platform HTTP (see npm run sim -- --help)

Examples:
  npm run sim -- clock                      where the platform's time is
  npm run sim -- clock --advance 2w         two weeks on: the start-up period is over
  npm run sim -- clock --speed 3600         an hour a second from now
  npm run sim -- clock --reset              back to the wall clock`
