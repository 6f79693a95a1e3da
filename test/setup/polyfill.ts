// Loads Node 20 polyfills before any test module, as every entry point does.
import '../../protocol/src/polyfill/promise-with-resolvers.js'
