// Outgoing mail: every message is kept in the outbox; when SMTP is configured it is also sent through nodemailer.
import nodemailer, { type Transporter } from 'nodemailer'
import type { Clock } from '../clock.js'
import type { Collection } from '../store/level-collection.js'
import type { OutboxRecord } from '../store/records.js'
import { randomId } from '../store/random-id.js'
import { reverseTimeKey } from '../store/sort-key.js'

export interface SmtpSettings {
  host: string
  port: number
  secure?: boolean
  user?: string
  pass?: string
  from: string
  /** Accept self-signed certificates (test servers, local relays). */
  allowInsecureTls?: boolean
}

export interface MailMessage { to: string, subject: string, text: string, template: string }

export class Mailer {
  private readonly transport: Transporter | undefined

  constructor (private readonly outbox: Collection<OutboxRecord>, private readonly clock: Clock, private readonly smtp?: SmtpSettings) {
    this.transport = smtp === undefined
      ? undefined
      : nodemailer.createTransport({
        host: smtp.host,
        port: smtp.port,
        secure: smtp.secure ?? false,
        ...(smtp.user === undefined ? {} : { auth: { user: smtp.user, pass: smtp.pass ?? '' } }),
        ...(smtp.allowInsecureTls === true ? { tls: { rejectUnauthorized: false } } : {})
      })
  }

  get configured (): boolean { return this.transport !== undefined }

  /** Keeps the message in the outbox, then sends it if SMTP is configured; a send failure is recorded, never thrown. */
  async send (message: MailMessage): Promise<OutboxRecord> {
    const atMs = this.clock.nowMs()
    const record: OutboxRecord = { id: randomId(), ...message, atMs, status: 'kept' }
    const key = `${reverseTimeKey(atMs)}!${record.id}`
    await this.outbox.put(key, record)
    if (this.transport === undefined || this.smtp === undefined) return record
    try {
      await this.transport.sendMail({ from: this.smtp.from, to: message.to, subject: message.subject, text: message.text })
      record.status = 'sent'
    } catch (err) {
      record.status = 'failed'
      record.error = (err as Error).message
    }
    await this.outbox.put(key, record)
    return record
  }

  async list (options: { limit: number, to?: string }): Promise<OutboxRecord[]> {
    const rows = await this.outbox.list({ limit: options.to === undefined ? options.limit : -1 })
    const all = rows.map(r => r.value).filter(m => options.to === undefined || m.to === options.to.toLowerCase())
    return all.slice(0, options.limit)
  }

  close (): void { this.transport?.close() }
}
