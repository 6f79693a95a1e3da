// Entry point of the `ferry` command: loads polyfills, dispatches the sub-command, maps errors to exit codes.
import '@ferry/protocol/polyfill/promise-with-resolvers'
import { runCli } from './run-cli.js'

process.exitCode = await runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env })
