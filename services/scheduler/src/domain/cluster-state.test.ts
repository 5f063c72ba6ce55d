import { describe, expect, it } from 'vitest';
import { makeEvent, Subjects } from '@fluxplane/contracts';
import { ClusterState } from './cluster-state';
import { reconcile } from './reconcile';
import { DEFAULT_HARDWARE } from './resources';
import { app, v4Spec } from '../../test/fixtures';

describe('ClusterState liveness', () => {
  const ids = ['n1', 'n2', 'n3'];
  const registered = (s: ClusterState) => {
    let seq = 1;
    for (const [i, id] of ids.entries()) {
      s.apply(makeEvent('NodeRegistered', Subjects.chain(), { nodeId: id, ip: `10.${i}.0.1`, tier: 'CUMULUS', collateralSat: 1000e8, txid: `tx${id}`, height: i + 1 }), seq++);
      s.apply(makeEvent('NodeBenchmarked', Subjects.node(id), { nodeId: id, passed: true, tier: 'CUMULUS', cores: 4, ramMb: 8000, eps: 1000, diskWriteMbps: 500, benchVersion: 'test' }), seq++);
    }
    s.loadApp('demo', app({ spec: v4Spec({ instances: 3 }) }));
    return seq;
  };

  it('a node registered and benchmarked is up only once heard (NodeCameBack): unheard nodes take no instance', () => {
    const s = new ClusterState();
    const seq = registered(s);
    for (const id of ids) expect(s.get(id)?.up).toBe(false);
    expect(reconcile(s.input('demo', DEFAULT_HARDWARE)).schedule).toEqual([]);
    const wake = s.apply(makeEvent('NodeCameBack', Subjects.node('n2'), { nodeId: 'n2' }), seq);
    // It became usable: the apps short of their target may fit now.
    expect(wake.short).toBe(true);
    expect(reconcile(s.input('demo', DEFAULT_HARDWARE)).schedule.map((p) => p.nodeId)).toEqual(['n2']);
  });

  it('a heartbeat (NodeCameBack) seen before the registration still counts once the node is registered', () => {
    const s = new ClusterState();
    s.apply(makeEvent('NodeCameBack', Subjects.node('n1'), { nodeId: 'n1' }), 1);
    expect(s.get('n1')?.up).toBe(true);
    registered(s);
    expect(reconcile(s.input('demo', DEFAULT_HARDWARE)).schedule.map((p) => p.nodeId)).toEqual(['n1']);
  });

  it('a liveness transition held as soon as it was stored counts once: delivered again, or an older one after it, changes nothing', () => {
    const s = new ClusterState();
    let seq = registered(s);
    for (const id of ids) s.apply(makeEvent('NodeCameBack', Subjects.node(id), { nodeId: id }), seq++);
    const plan = reconcile(s.input('demo', DEFAULT_HARDWARE));
    s.reserve('demo', 'demo', plan);
    expect(plan.schedule).toHaveLength(3);
    // The monitor stored n1's NodeWentDown at `down` and holds it at once: the app on n1 decides again.
    const down = seq + 10;
    const wentDown = makeEvent('NodeWentDown', Subjects.node('n1'), { nodeId: 'n1', lastSeen: new Date().toISOString() });
    expect(s.apply(wentDown, down).apps).toEqual(['demo']);
    expect(s.get('n1')?.up).toBe(false);
    // The projection delivers the same event later: already held, nothing to wake.
    expect(s.apply(wentDown, down)).toEqual({ apps: [], short: false });
    // A NodeCameBack stored before it (delivered late, behind the monitor's hold) does not bring n1 back.
    expect(s.apply(makeEvent('NodeCameBack', Subjects.node('n1'), { nodeId: 'n1' }), down - 1)).toEqual({ apps: [], short: false });
    expect(s.get('n1')?.up).toBe(false);
    // One stored after it does.
    s.apply(makeEvent('NodeCameBack', Subjects.node('n1'), { nodeId: 'n1' }), down + 1);
    expect(s.get('n1')?.up).toBe(true);
  });
});
