// Styles every Ferry component adopts: form controls, buttons, tables and focus rings drawn from the page's CSS tokens.
import { css } from 'lit'

export const themeStyles = css`
  :host { font-family: var(--ferry-font); color: var(--ferry-text); }
  *, *::before, *::after { box-sizing: border-box; }
  a { color: var(--ferry-accent); }
  h1 { font-size: 1.4rem; margin: 0 0 1rem; }
  h2 { font-size: 1.1rem; margin: 1.25rem 0 .5rem; }
  :focus-visible { outline: 3px solid var(--ferry-focus); outline-offset: 2px; }
  button, .button {
    font: inherit; cursor: pointer; border-radius: var(--ferry-radius); padding: .45rem .9rem;
    border: 1px solid var(--ferry-border); background: var(--ferry-surface); color: var(--ferry-text);
    text-decoration: none; display: inline-flex; align-items: center; gap: .35rem; min-height: 2.25rem;
  }
  button.primary, .button.primary { background: var(--ferry-accent); color: var(--ferry-accent-text); border-color: var(--ferry-accent); }
  button.danger { color: var(--ferry-danger); border-color: var(--ferry-danger); }
  button:disabled { opacity: .55; cursor: not-allowed; }
  input, select, textarea {
    font: inherit; color: inherit; background: var(--ferry-surface); border: 1px solid var(--ferry-border);
    border-radius: var(--ferry-radius); padding: .45rem .6rem; width: 100%; min-height: 2.25rem;
  }
  label { display: block; font-weight: 600; margin: .75rem 0 .25rem; }
  .hint { color: var(--ferry-muted); font-size: .875rem; }
  .error { color: var(--ferry-danger); }
  .card { background: var(--ferry-surface); border: 1px solid var(--ferry-border); border-radius: var(--ferry-radius); padding: 1rem; }
  table { width: 100%; border-collapse: collapse; background: var(--ferry-surface); }
  th, td { text-align: left; padding: .5rem .6rem; border-bottom: 1px solid var(--ferry-border); vertical-align: top; }
  th { font-size: .8rem; text-transform: uppercase; letter-spacing: .03em; color: var(--ferry-muted); }
  td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
  code, .mono { font-family: var(--ferry-mono); font-size: .85em; overflow-wrap: anywhere; }
  .row { display: flex; gap: .5rem; flex-wrap: wrap; align-items: center; }
  .visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
  /* Narrow screens: tables become stacked cards so nothing scrolls sideways on a phone. */
  @media (max-width: 640px) {
    table.stack thead { display: none; }
    table.stack tr { display: block; border-bottom: 1px solid var(--ferry-border); padding: .4rem 0; }
    table.stack td { display: block; border: 0; padding: .15rem .6rem; text-align: left; }
    table.stack td[data-label]::before { content: attr(data-label) ': '; color: var(--ferry-muted); font-size: .8rem; }
  }
`
