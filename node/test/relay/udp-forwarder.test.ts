// UdpForwarder on loopback: datagrams pass both ways untouched, the initiator's address is fixed by its first datagram, strangers are dropped.
import { describe, it, expect, afterEach } from 'vitest'
import { createSocket, type Socket } from 'node:dgram'
import { UdpForwarder } from '../../src/relay/udp-forwarder.js'

const sockets: Socket[] = []
let forwarder: UdpForwarder | undefined

async function udp (host = '127.0.0.1'): Promise<{ socket: Socket, port: number, next: () => Promise<{ msg: Buffer, port: number }> }> {
  const socket = createSocket('udp4')
  sockets.push(socket)
  await new Promise<void>(resolve => { socket.bind(0, host, () => { resolve() }) })
  const queue: Array<{ msg: Buffer, port: number }> = []
  const waiting: Array<(m: { msg: Buffer, port: number }) => void> = []
  socket.on('message', (msg, rinfo) => {
    const m = { msg, port: rinfo.port }
    const w = waiting.shift()
    if (w !== undefined) w(m); else queue.push(m)
  })
  const next = async (): Promise<{ msg: Buffer, port: number }> => queue.shift() ?? await new Promise(resolve => { waiting.push(resolve) })
  return { socket, port: socket.address().port, next }
}

async function send (s: Socket, text: string, port: number): Promise<void> {
  await new Promise<void>((resolve, reject) => { s.send(text, port, '127.0.0.1', err => { if (err !== null) reject(err); else resolve() }) })
}

afterEach(async () => {
  await forwarder?.close()
  forwarder = undefined
  for (const s of sockets.splice(0)) s.close()
})

describe('UdpForwarder', () => {
  it('forwards initiator → target and back, byte for byte', async () => {
    const initiator = await udp()
    const target = await udp()
    forwarder = await UdpForwarder.open('127.0.0.1', { host: '127.0.0.1', port: target.port })
    await send(initiator.socket, 'hello target', forwarder.port)
    const there = await target.next()
    expect(there.msg.toString()).toBe('hello target')
    // The target answers the address the datagram came from (the forwarder's target side).
    await send(target.socket, 'hello initiator', there.port)
    const back = await initiator.next()
    expect(back.msg.toString()).toBe('hello initiator')
    expect(back.port).toBe(forwarder.port)
    expect(forwarder.forwardedDatagrams).toBe(2)
    expect(forwarder.forwardedBytes).toBe('hello target'.length + 'hello initiator'.length)
  })

  it('drops datagrams from anyone but the first initiator', async () => {
    const initiator = await udp()
    const stranger = await udp()
    const target = await udp()
    forwarder = await UdpForwarder.open('127.0.0.1', { host: '127.0.0.1', port: target.port })
    await send(initiator.socket, 'first', forwarder.port)
    expect((await target.next()).msg.toString()).toBe('first')
    await send(stranger.socket, 'injected', forwarder.port)
    await send(initiator.socket, 'second', forwarder.port)
    // Datagrams on loopback keep their order: had the stranger's passed, it would arrive before 'second'.
    expect((await target.next()).msg.toString()).toBe('second')
    expect(forwarder.forwardedDatagrams).toBe(2)
  })

  it('lets only the host of the initiator\'s control connection claim the initiator side', async () => {
    const stranger = await udp('127.0.0.2')
    const initiator = await udp('127.0.0.1')
    const target = await udp()
    forwarder = await UdpForwarder.open('127.0.0.1', { host: '127.0.0.1', port: target.port }, '127.0.0.1')
    // The stranger races the initiator's first datagram from another address: dropped, and the session stays free.
    await send(stranger.socket, 'hijack', forwarder.port)
    await send(initiator.socket, 'mine', forwarder.port)
    const there = await target.next()
    expect(there.msg.toString()).toBe('mine')
    await send(target.socket, 'reply', there.port)
    expect((await initiator.next()).msg.toString()).toBe('reply')
    expect(forwarder.droppedDatagrams).toBe(1)
    expect(forwarder.forwardedDatagrams).toBe(2)
  })
})
