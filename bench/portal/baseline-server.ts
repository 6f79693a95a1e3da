// The reference point from issue 6: a bare fastify + LevelDB range scan of the same inbox index, no auth, no schema, no cache.
import Fastify from 'fastify'
import { Level } from 'level'
import { join } from 'node:path'

const [dataDir] = process.argv.slice(2)
const level = new Level<string, any>(join(dataDir!, 'db'), { valueEncoding: 'json' })
const inbox = level.sublevel<string, unknown>('ix-inbox', { valueEncoding: 'json' })
const app = Fastify()
let next = 0
app.get('/inbox', async () => {
  // The same owners the portal run lists (the first 100 users), round robin.
  const owner = `u${String(next++ % 100).padStart(5, '0')}`
  const items = await inbox.values({ gte: `${owner}!`, lt: `${owner}!\xff`, limit: 50 }).all()
  return { items }
})
const url = await app.listen({ host: '127.0.0.1', port: 0 })
process.stdout.write(JSON.stringify({ listenUrl: url }) + '\n')
process.on('SIGTERM', () => { void app.close().then(async () => { await level.close(); process.exit(0) }) })
