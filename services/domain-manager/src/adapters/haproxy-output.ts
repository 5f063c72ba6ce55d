/** Parsers for the text replies of the HAProxy 2.6 CLI. Pure, so they are tested on captured output. */

export interface ProcInfo {
  masterPid: number;
  /** Reloads the master has attempted since it started (kept across its re-exec). */
  reloads: number;
  /** Consecutive failed reloads; 0 after a successful one. */
  failed: number;
  workers: Array<{ pid: number; reloads: number }>;
}

/**
 * `show proc` on the master socket:
 * ```
 * #<PID>          <type>          <reloads>       <uptime>        <version>
 * 23166           master          2 [failed: 1]   0d00h00m02s     2.6.12-1+deb12u4
 * # workers
 * 23181           worker          1               0d00h00m01s     2.6.12-1+deb12u4
 * ```
 * The newest worker is the one with 0 reloads; older ones are still draining.
 */
export function parseShowProc(text: string): ProcInfo {
  let master: { pid: number; reloads: number; failed: number } | undefined;
  const workers: ProcInfo['workers'] = [];
  for (const line of text.split('\n')) {
    const m = /^(\d+)\s+master\s+(\d+)(?:\s+\[failed:\s*(\d+)\])?/.exec(line.trim());
    if (m) master = { pid: Number(m[1]), reloads: Number(m[2]), failed: Number(m[3] ?? 0) };
    const w = /^(\d+)\s+worker\s+(\d+)/.exec(line.trim());
    if (w) workers.push({ pid: Number(w[1]), reloads: Number(w[2]) });
  }
  if (!master) throw new Error(`unexpected 'show proc' reply: ${JSON.stringify(text.slice(0, 200))}`);
  return { masterPid: master.pid, reloads: master.reloads, failed: master.failed, workers };
}

/** `show info`: `Key: value` lines. */
export function parseShowInfo(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const i = line.indexOf(':');
    if (i > 0) out[line.slice(0, i).trim()] = line.slice(i + 1).trim();
  }
  return out;
}

export interface ServerState {
  backend: string;
  name: string;
  address: string;
  port: number;
  /** 0 stopped, 1 starting, 2 running, 3 stopping. */
  opState: number;
  /** Bit field; 0 means not in maintenance. */
  adminState: number;
}

/**
 * `show servers state [backend]`: a version line (`1`), a `#` header naming the columns, then one
 * line per server. Columns are looked up by name, so a future extra column does not break us.
 */
export function parseServersState(text: string): ServerState[] {
  const lines = text.split('\n').map((l) => l.trim()).filter(Boolean);
  const header = lines.find((l) => l.startsWith('#'));
  if (!header) return [];
  const cols = header.replace(/^#\s*/, '').split(/\s+/);
  const at = (name: string) => {
    const i = cols.indexOf(name);
    if (i < 0) throw new Error(`'show servers state' has no column ${name}`);
    return i;
  };
  const [be, srv, addr, port, op, admin] = ['be_name', 'srv_name', 'srv_addr', 'srv_port', 'srv_op_state', 'srv_admin_state'].map(at) as [number, number, number, number, number, number];
  return lines
    .filter((l) => !l.startsWith('#') && /\s/.test(l))
    .map((l) => l.split(/\s+/))
    .map((f) => ({ backend: f[be]!, name: f[srv]!, address: f[addr]!, port: Number(f[port]), opState: Number(f[op]), adminState: Number(f[admin]) }));
}

export interface ServerStat {
  backend: string;
  name: string;
  /** `UP`, `DOWN`, `DRAIN`, `MAINT`, `no check`, or a transition such as `UP 1/2`, `DOWN 1/2`. */
  status: string;
  /** Streams (requests) on the server now. */
  sessions: number;
}

/** `show stat -1 4 -1` (servers only): CSV with a `# pxname,svname,…` header; columns looked up by name. */
export function parseServerStats(text: string): ServerStat[] {
  const lines = text.split('\n').map((l) => l.trim()).filter(Boolean);
  const header = lines.find((l) => l.startsWith('#'));
  if (!header) return [];
  const cols = header.replace(/^#\s*/, '').split(',');
  const at = (name: string) => {
    const i = cols.indexOf(name);
    if (i < 0) throw new Error(`'show stat' has no column ${name}`);
    return i;
  };
  const [px, sv, scur, status] = ['pxname', 'svname', 'scur', 'status'].map(at) as [number, number, number, number];
  return lines
    .filter((l) => !l.startsWith('#'))
    .map((l) => l.split(','))
    .filter((f) => f[sv] !== 'BACKEND' && f[sv] !== 'FRONTEND')
    .map((f) => ({ backend: f[px]!, name: f[sv]!, status: f[status] ?? '', sessions: Number(f[scur] ?? 0) }));
}

/**
 * A `show servers state` dump made fit to be loaded by the next worker: every server the new config
 * routes to gets admin state 0 (ready). HAProxy restores admin state from this file at start, so a
 * server that was draining or in maintenance when the dump was taken (on its way out, or half way
 * through being put back) would otherwise come back out of rotation — and no runtime step of ours is
 * left to take it out of there. Health (op state) is kept: that is what the file is for.
 */
export function serverStateForReload(dump: string, routed: ReadonlySet<string>): string {
  const lines = dump.split('\n');
  const headerAt = lines.findIndex((l) => l.startsWith('#'));
  if (headerAt < 0) return dump;
  const cols = lines[headerAt]!.replace(/^#\s*/, '').split(/\s+/);
  const [be, srv, admin] = ['be_name', 'srv_name', 'srv_admin_state'].map((c) => cols.indexOf(c));
  if (be! < 0 || srv! < 0 || admin! < 0) return dump;
  return lines
    .map((line, i) => {
      if (i <= headerAt || !line.trim()) return line;
      const f = line.split(' ');
      if (!routed.has(`${f[be!]}/${f[srv!]}`) || f[admin!] === '0') return line;
      f[admin!] = '0';
      return f.join(' ');
    })
    .join('\n');
}
