/**
 * The /16 of a node's IPv4 address (its first two octets), FluxOS's unit for "the same network":
 * two instances of an app with synced data are never placed in one /16, so one provider or site
 * losing its network cannot take every copy of the data. An address that is not dotted IPv4 is its
 * own network (it only collides with itself).
 */
export function subnet16(ip: string): string {
  const m = /^(\d{1,3})\.(\d{1,3})\.\d{1,3}\.\d{1,3}$/.exec(ip.trim());
  return m ? `${Number(m[1])}.${Number(m[2])}` : ip;
}
