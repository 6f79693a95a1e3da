// Entry point of the `ferry` command: loads polyfills, wires process signals to an AbortSignal, dispatches, sets the exit code.
import '@ferry/protocol/polyfill/promise-with-resolvers'
import { runCli } from './run-cli.js'

const controller = new AbortController()
let interrupts = 0
const onSignal = (signal: NodeJS.Signals): void => {
  interrupts++
  // A second Ctrl-C means "now": leave at once (state on disk is resumable by design).
  if (interrupts > 1) process.exit(130)
  controller.abort(Object.assign(new Error(`interrupted by ${signal}`), { name: 'AbortError' }))
}
process.on('SIGINT', onSignal)
process.on('SIGTERM', onSignal)

const code = await runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env, signal: controller.signal })
// Exit now even if a library left a handle open (libp2p timers); stdout and stderr are synchronous on Linux pipes and files.
process.exit(code)
