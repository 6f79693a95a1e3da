// In-app navigation without a page load: pushes the history entry and tells the shell to show the new route.

export const navigateEvent = 'ferry-navigate'

export function navigate (path: string, options: { replace?: boolean } = {}): void {
  if (options.replace === true) history.replaceState(null, '', path)
  else history.pushState(null, '', path)
  window.dispatchEvent(new Event(navigateEvent))
}
