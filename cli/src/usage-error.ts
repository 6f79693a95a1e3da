// A mistake in how the command was called: printed without a stack, exit code 2.
import { FerryError } from '@ferry/protocol'

export class UsageError extends FerryError {
  override readonly name = 'UsageError'
  constructor (message: string) {
    super('FERRY_CLI_USAGE', message, { statusCode: 400 })
  }
}
