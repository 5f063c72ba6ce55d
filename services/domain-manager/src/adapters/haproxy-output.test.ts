import { describe, expect, it } from 'vitest';
import { parseServersState, parseShowInfo, parseShowProc, serverStateForReload } from './haproxy-output';

// Captured from HAProxy 2.6.12 (Debian 12).
const PROC_FAILED = `#<PID>          <type>          <reloads>       <uptime>        <version>
23166           master          2 [failed: 1]   0d00h00m02s     2.6.12-1+deb12u4
# workers
23181           worker          1               0d00h00m01s     2.6.12-1+deb12u4
# programs

`;
const STATE = `1
# be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state srv_uweight srv_iweight srv_time_since_last_change srv_check_status srv_check_result srv_check_health srv_check_state srv_agent_state bk_f_forced_id srv_f_forced_id srv_fqdn srv_port srvrecord srv_use_ssl srv_check_port srv_check_addr srv_agent_addr srv_agent_port
3 be 1 s0 127.0.0.3 0 0 1 1 2 8 2 0 6 0 0 0 - 9001 - 0 0 - - 0
3 be 2 127.0.0.2:9001 127.0.0.2 2 0 1 1 0 1 0 0 6 0 0 0 - 9001 - 0 0 - - 0

`;

describe('HAProxy CLI parsers', () => {
  it('show proc: master counters and workers', () => {
    expect(parseShowProc(PROC_FAILED)).toEqual({ masterPid: 23166, reloads: 2, failed: 1, workers: [{ pid: 23181, reloads: 1 }] });
    expect(() => parseShowProc('Unknown command\n')).toThrow(/show proc/);
  });
  it('show info: key/value', () => {
    expect(parseShowInfo('Name: HAProxy\nVersion: 2.6.12\nPid: 23169\n')).toMatchObject({ Name: 'HAProxy', Pid: '23169' });
  });
  it('show servers state: columns by name', () => {
    expect(parseServersState(STATE)).toEqual([
      { backend: 'be', name: 's0', address: '127.0.0.3', port: 9001, opState: 0, adminState: 0 },
      { backend: 'be', name: '127.0.0.2:9001', address: '127.0.0.2', port: 9001, opState: 2, adminState: 0 },
    ]);
    expect(parseServersState('1\n# be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state srv_port\n')).toEqual([]);
  });
});

describe('server state for the next worker', () => {
  // As 2.6 dumps it: a draining server (admin 8), one in maintenance (1), one ready but down.
  const dump = `1
# be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state srv_uweight srv_iweight srv_time_since_last_change srv_check_status srv_check_result srv_check_health srv_check_state srv_agent_state bk_f_forced_id srv_f_forced_id srv_fqdn srv_port srvrecord srv_use_ssl srv_check_port srv_check_addr srv_agent_addr srv_agent_port
3 be 1 a 127.0.0.3 2 8 1 1 2 8 2 0 6 0 0 0 - 9001 - 0 0 - - 0
3 be 2 b 127.0.0.4 2 1 1 1 2 8 2 0 6 0 0 0 - 9001 - 0 0 - - 0
3 be 3 c 127.0.0.5 0 0 1 1 2 8 2 0 6 0 0 0 - 9001 - 0 0 - - 0
`;
  it('routed servers start ready; the others keep their drain or maintenance; health is kept', () => {
    const out = parseServersState(serverStateForReload(dump, new Set(['be/a', 'be/c'])));
    expect(out.map((s) => [s.name, s.opState, s.adminState])).toEqual([['a', 2, 0], ['b', 2, 1], ['c', 0, 0]]);
  });
  it('leaves a dump without the columns it needs as it is', () => {
    expect(serverStateForReload('1\n', new Set(['be/a']))).toBe('1\n');
  });
});
