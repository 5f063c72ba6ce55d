/**
 * The /16 of a node's IPv4 address (its first two octets), FluxOS's unit for "the same network":
 * two instances of an app with synced data are never placed in one /16, so one provider or site
 * losing its network cannot take every copy of the data. An address that is not dotted IPv4 is its
 * own network (it only collides with itself).
 */
export function subnet16(ip: string): string {
  // Asked for every candidate node of every synced app's decision: worked out once per address.
  let net = known.get(ip);
  if (net === undefined) {
    const m = /^(\d{1,3})\.(\d{1,3})\.\d{1,3}\.\d{1,3}$/.exec(ip.trim());
    net = m ? `${Number(m[1])}.${Number(m[2])}` : ip;
    // Bounded: a cluster's addresses fit many times over; a flood of new ones only restarts the cache.
    if (known.size >= KNOWN_MAX) known.clear();
    known.set(ip, net);
  }
  return net;
}

const KNOWN_MAX = 1 << 18;
const known = new Map<string, string>();
