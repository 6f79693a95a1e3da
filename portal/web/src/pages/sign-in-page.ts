// <ferry-sign-in>: the sign-in form; fires `signed-in` with the user once the portal has set the session cookie.
import { LitElement, css, html, nothing, type TemplateResult } from 'lit'
import type { PortalApi } from '../api/portal-api.js'
import { PortalApiError } from '../api/portal-api-error.js'
import { themeStyles } from '../theme-styles.js'

export class SignInPage extends LitElement {
  static override properties = { api: { attribute: false }, error: { state: true }, busy: { state: true } }

  declare api: PortalApi
  declare error: string
  declare busy: boolean

  constructor () {
    super()
    this.error = ''
    this.busy = false
  }

  private async submit (event: SubmitEvent): Promise<void> {
    event.preventDefault()
    const form = new FormData(event.target as HTMLFormElement)
    this.busy = true
    this.error = ''
    try {
      const user = await this.api.signIn(String(form.get('login') ?? ''), String(form.get('password') ?? ''))
      this.dispatchEvent(new CustomEvent('signed-in', { detail: user, bubbles: true, composed: true }))
    } catch (err) {
      this.error = err instanceof PortalApiError && err.status === 429
        ? 'Too many attempts. Wait a minute and try again.'
        : err instanceof PortalApiError && (err.status === 401 || err.status === 400)
          ? 'That name and password do not match an account.'
          : err instanceof Error ? err.message : String(err)
    } finally {
      this.busy = false
    }
  }

  override render (): TemplateResult {
    return html`
      <main class="card">
        <h1>Sign in to Ferry</h1>
        <form @submit=${(e: SubmitEvent) => { void this.submit(e) }}>
          <label for="login">Name or email</label>
          <input id="login" name="login" autocomplete="username" required autofocus>
          <label for="password">Password</label>
          <input id="password" name="password" type="password" autocomplete="current-password" required>
          ${this.error === '' ? nothing : html`<p class="error" role="alert">${this.error}</p>`}
          <p><button class="primary" type="submit" ?disabled=${this.busy}>${this.busy ? 'Signing in…' : 'Sign in'}</button></p>
        </form>
      </main>`
  }

  static override styles = [themeStyles, css`
    :host { display: block; padding: 1rem; }
    main { max-width: 24rem; margin: 10vh auto 0; }
    button { width: 100%; justify-content: center; }
  `]
}

customElements.define('ferry-sign-in', SignInPage)
