// The portal package's public surface: build the app, its options, and the services tests and tools drive.
export { buildPortal, type Portal, type PortalOptions, type PortalComponents, type PortalApp } from './http/build-portal.js'
export { PortalServices } from './portal-services.js'
export { ManualClock, systemClock, type Clock } from './clock.js'
export { ManualScheduler, timerScheduler, type Scheduler } from './notify/scheduler.js'
export { PUBLIC_API_ROUTES, isPublicRoute } from './http/public-routes.js'
export { signWebhookBody } from './notify/webhook-dispatcher.js'
export { seedDemo, type DemoUser } from './demo/demo-seed.js'
