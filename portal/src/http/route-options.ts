// What every route module receives when registered: the services and the settings routes act on.
import type { Clock } from '../clock.js'
import type { PortalServices } from '../portal-services.js'
import type { UserRecord } from '../store/records.js'

export interface RouteOptions {
  services: PortalServices
  clock: Clock
  cookieSecure: boolean
  loginLimit: { max: number, timeWindowMs: number }
}

/** A user as the API shows it: never the password hash. */
export function userView (user: UserRecord): Omit<UserRecord, 'passwordHash'> {
  const { passwordHash: _hash, ...rest } = user
  return rest
}
