// Every `ferry` sub-command, in the order `ferry help` lists them.
import type { Command } from '../cli-context.js'
import { loginCommand } from './login-command.js'
import { logoutCommand } from './logout-command.js'
import { sendCommand } from './send-command.js'
import { inboxCommand, sentCommand } from './inbox-command.js'
import { packageCommand } from './package-command.js'
import { downloadCommand } from './download-command.js'
import { nodeCommand, portalCommand } from './part-start-command.js'
import { upCommand } from './up-command.js'
import { transfersCommand } from './transfers-command.js'
import { benchCommand } from './bench-command.js'
import { cpCommand } from './cp-command.js'
import { agentCommand } from './agent-command.js'

export function commandList (): Command[] {
  return [upCommand, loginCommand, logoutCommand, sendCommand, inboxCommand, sentCommand, packageCommand, downloadCommand, cpCommand, transfersCommand, agentCommand, benchCommand, nodeCommand, portalCommand]
}
