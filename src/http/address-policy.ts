import { lookup as dnsLookup } from 'node:dns'
import type { LookupAddress, LookupOptions } from 'node:dns'
import { BlockList, isIP } from 'node:net'
import { causeError } from '../catalogue/index.js'

/**
 * Where a file host may live. Provider answers are untrusted, so a file URL (or any hop it redirects to)
 * must not reach this machine or the private network it sits in. Loopback is allowed only when the
 * configured provider base URL is itself loopback: that is the local emulator, whose file URLs point back
 * at it.
 */
export interface FileHostPolicy {
  allowLoopback: boolean
}

const LOOPBACK = new BlockList()
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4')
LOOPBACK.addAddress('::1', 'ipv6')

// Unspecified, private (RFC 1918, CGNAT, ULA), link-local (cloud metadata lives here), multicast and
// reserved ranges. Nothing a public CDN serves from.
const INTERNAL = new BlockList()
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const)
  INTERNAL.addSubnet(net, prefix, 'ipv4')
for (const [net, prefix] of [
  ['::', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
  ['64:ff9b::', 96],
  ['2002::', 16],
] as const)
  INTERNAL.addSubnet(net, prefix, 'ipv6')

function unwrapMapped(address: string): string {
  // ::ffff:10.0.0.1 reaches 10.0.0.1; judge the IPv4 address it carries.
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)
  return m ? m[1]! : address
}

/** Why `address` (an IP literal) may not be connected to under `policy`, or `null` when it may. */
export function forbiddenAddressReason(address: string, policy: FileHostPolicy): string | null {
  const ip = unwrapMapped(address.replace(/^\[|\]$/g, ''))
  const family = isIP(ip)
  if (family === 0) return `${address} is not an IP address`
  const type = family === 4 ? 'ipv4' : 'ipv6'
  if (LOOPBACK.check(ip, type)) return policy.allowLoopback ? null : `${ip} is a loopback address`
  if (INTERNAL.check(ip, type)) return `${ip} is a private, link-local or reserved address`
  return null
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void
export type Lookup = (hostname: string, options: LookupOptions, callback: LookupCallback) => void

/**
 * A `lookup` for `net.connect` that refuses to hand back an address the policy forbids. The check runs on the
 * address the socket will actually use, so there is no gap between checking a name and connecting to it
 * (a name that resolves to 10.x, or re-resolves to it later, is refused).
 */
export function guardedLookup(policy: FileHostPolicy, resolve: Lookup = dnsLookup as unknown as Lookup): Lookup {
  return (hostname, options, callback) => {
    resolve(hostname, options, (err, address, family) => {
      if (err) return callback(err, address, family)
      const all = Array.isArray(address) ? address : [{ address, family: family ?? isIP(address) }]
      for (const a of all) {
        const reason = forbiddenAddressReason(a.address, policy)
        if (reason) {
          const refused = causeError(`${hostname} resolves to ${a.address}: ${reason}`, 'E_FORBIDDEN_ADDRESS')
          return callback(refused, address, family)
        }
      }
      callback(null, address, family)
    })
  }
}
