// Mail templates: built-in defaults the admin can override; `{{name}}` placeholders filled from the event.
import type { Collection } from '../store/level-collection.js'
import type { TemplateRecord } from '../store/records.js'

export const DEFAULT_TEMPLATES: Record<string, TemplateRecord> = {
  'package-received': {
    subject: '{{senderName}} sent you "{{title}}"',
    text: '{{senderName}} sent you a package with Ferry.\n\nTitle: {{title}}\nFiles: {{fileCount}} ({{sizeBytes}} bytes)\nNote: {{note}}\nExpires: {{expiresAt}}\n\nOpen it: {{link}}\n'
  },
  'download-receipt': {
    subject: '{{downloaderName}} downloaded "{{title}}"',
    text: '{{downloaderName}} downloaded your package "{{title}}" ({{fileCount}} files, {{sizeBytes}} bytes) at {{downloadedAt}}.\n\n{{link}}\n'
  },
  invitation: {
    subject: '{{inviterName}} invited you to Ferry',
    text: '{{inviterName}} invited you to exchange files with Ferry.\n\nCreate your account: {{link}}\nThe invitation expires {{expiresAt}}.\n'
  },
  'file-request-upload': {
    subject: '{{senderName}} uploaded "{{title}}" for your request',
    text: '{{senderName}} uploaded files in answer to your request.\n\nTitle: {{title}}\nOpen it: {{link}}\n'
  },
  'package-expired': {
    subject: 'Your package "{{title}}" has expired',
    text: 'The package "{{title}}" reached its expiry and its files were deleted from storage.\n'
  }
}

export class TemplateRenderer {
  constructor (private readonly overrides: Collection<TemplateRecord>) {}

  names (): string[] { return Object.keys(DEFAULT_TEMPLATES) }

  async get (name: string): Promise<TemplateRecord | undefined> {
    return await this.overrides.get(name) ?? DEFAULT_TEMPLATES[name]
  }

  async set (name: string, template: TemplateRecord): Promise<void> { await this.overrides.put(name, template) }

  async reset (name: string): Promise<void> { await this.overrides.del(name) }

  async render (name: string, vars: Record<string, string | number>): Promise<TemplateRecord> {
    const template = await this.get(name)
    if (template === undefined) throw new Error(`no mail template ${name}`)
    const fill = (s: string): string => s.replace(/\{\{(\w+)\}\}/g, (_m, key: string) => String(vars[key] ?? ''))
    return { subject: fill(template.subject).replace(/[\r\n]+/g, ' '), text: fill(template.text) }
  }
}
