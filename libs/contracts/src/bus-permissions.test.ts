import { describe, expect, it } from 'vitest';
import { busPermissions, deploymentIdentities, identityName, inboxPrefix, replyIsNodes, SERVICE_NAMES } from './bus-permissions';
import { Notifications, Queries } from './subjects';

/** NATS subject matching: `*` one token, `>` the rest. */
function matches(pattern: string, subject: string): boolean {
  const p = pattern.split('.');
  const s = subject.split('.');
  for (let i = 0; i < p.length; i++) {
    if (p[i] === '>') return s.length > i;
    if (p[i] !== '*' && p[i] !== s[i]) return false;
  }
  return p.length === s.length;
}

describe('bus permissions', () => {
  it('lets a node agent publish only its own heartbeat, sync status and instance events', () => {
    const p = busPermissions({ kind: 'node-agent', nodeId: 'n1' });
    expect(p.publish).toEqual(expect.arrayContaining(['sig.heartbeat.n1', 'sig.sync.n1', 'evt.instance.*.n1', '$KV.fluxplane_sync_devices.n1']));
    expect(p.publish.filter((s) => s.startsWith('evt.'))).toEqual(['evt.instance.*.n1']);
    expect(p.publish.filter((s) => s.startsWith('sig.'))).toEqual(['sig.heartbeat.n1', 'sig.sync.n1']);
    expect(p.subscribe).toEqual(expect.arrayContaining(['_INBOX.node-n1.>', 'qry.node-agent.n1.*', 'cmd.node-agent.n1.*']));
    expect(p.subscribe.some((s) => s.includes('n2') || s === '>' || s === '_INBOX.>')).toBe(false);
  });

  it('escapes node ids into one token (an id with dots cannot widen its subjects)', () => {
    const p = busPermissions({ kind: 'node-agent', nodeId: '127.0.0.1:16127' });
    expect(p.publish).toContain('sig.heartbeat.127%2e0%2e0%2e1:16127');
    expect(identityName({ kind: 'node-agent', nodeId: 'a.b' })).toBe('node-a%2eb');
  });

  it('gives the gateway no event subject and every service its own inbox', () => {
    const gw = busPermissions({ kind: 'service', service: 'gateway' });
    expect(gw.publish.filter((s) => s.startsWith('evt.'))).toEqual([]);
    expect(gw.allowResponses).toBe(false);
    for (const service of SERVICE_NAMES) {
      const p = busPermissions({ kind: 'service', service });
      expect(p.subscribe).toContain(`${inboxPrefix({ kind: 'service', service })}.>`);
      expect(p.publish).not.toContain('>');
    }
  });

  it("lets stats serve its queries and announce its samples, and the gateway ask them and hear it", () => {
    const stats = busPermissions({ kind: 'service', service: 'stats' });
    const gateway = busPermissions({ kind: 'service', service: 'gateway' });
    const queries = Object.values(Queries).filter((q) => q.startsWith('qry.stats.'));
    expect(queries).toEqual(expect.arrayContaining(['qry.stats.summary', 'qry.stats.history', 'qry.stats.tier-history', 'qry.stats.sample-times', 'qry.stats.nodes']));
    for (const q of queries) {
      expect(stats.subscribe.some((p) => matches(p, q)), q).toBe(true);
      expect(gateway.publish.some((p) => matches(p, q)), q).toBe(true);
    }
    const samples = Notifications.projectionChanged('stats', 'samples');
    expect(stats.publish.some((p) => matches(p, samples))).toBe(true);
    expect(gateway.subscribe.some((p) => matches(p, samples))).toBe(true);
  });

  it('names every identity of a deployment once', () => {
    const names = deploymentIdentities([{ nodeId: 'n1' }, { nodeId: 'n2' }]).map(identityName);
    expect(new Set(names).size).toBe(names.length);
    expect(names).toEqual(expect.arrayContaining(['scheduler', 'gateway', 'node-n1', 'node-n2', 'admin']));
  });

  it("tells a node's own reply inbox from another's", () => {
    expect(replyIsNodes('_INBOX.node-n1.AbC.7', 'n1')).toBe(true);
    expect(replyIsNodes('_INBOX.node-n1.AbC.7', 'n2')).toBe(false);
    expect(replyIsNodes('_INBOX.node-n10.AbC.7', 'n1')).toBe(false);
    expect(replyIsNodes('_INBOX.AbC.7', 'n1')).toBe(false);
    expect(replyIsNodes(undefined, 'n1')).toBe(false);
  });
});
