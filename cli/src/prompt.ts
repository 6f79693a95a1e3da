// Asks the person at the terminal for a line, with echo off for secrets; used by `ferry login` without --password-stdin.
import { createInterface } from 'node:readline'
import { Writable } from 'node:stream'
import type { CliContext } from './cli-context.js'

export async function promptLine (ctx: CliContext, question: string, options: { secret?: boolean } = {}): Promise<string> {
  let muted = false
  const output = new Writable({
    write (chunk, _encoding, done) {
      if (!muted) ctx.stderr.write(chunk)
      done()
    }
  })
  const rl = createInterface({ input: ctx.stdin, output, terminal: ctx.stdin.isTTY === true })
  try {
    const answer = new Promise<string>((resolve, reject) => {
      rl.question(question, resolve)
      rl.once('close', () => reject(new Error('input closed')))
      ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason), { once: true })
    })
    muted = options.secret === true
    const line = await answer
    if (muted) ctx.stderr.write('\n')
    return line
  } finally {
    rl.close()
  }
}

/** Reads all of stdin (for --password-stdin), without the trailing newline. */
export async function readAllStdin (ctx: CliContext): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of ctx.stdin) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string))
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '')
}
