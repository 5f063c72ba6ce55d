import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { etagOf, ifNoneMatchHits, viewOf } from './cached-view';
import { Snapshot } from './snapshot';

describe('Snapshot', () => {
  it('fetches once, then answers from memory until invalidated', async () => {
    let fetches = 0;
    let value = 1;
    const s = new Snapshot({ name: 't', fetch: async () => { fetches++; return { value }; } });
    const v1 = await s.view();
    expect(await s.view()).toBe(v1);
    expect(fetches).toBe(1);
    expect(v1.body.toString()).toBe('{"status":"success","data":{"value":1}}');
    value = 2;
    expect(await s.view()).toBe(v1); // not told: still the old copy
    s.invalidate();
    const v2 = await s.view();
    expect(v2.body.toString()).toBe('{"status":"success","data":{"value":2}}');
    expect(v2.etag).not.toBe(v1.etag);
    expect(fetches).toBe(2);
  });

  it('shares one fetch among concurrent reads, and never answers data older than an invalidation before the read', async () => {
    let value = 0;
    let fetches = 0;
    const s = new Snapshot({ name: 't', fetch: async () => { fetches++; const v = value; await new Promise((r) => setTimeout(r, 5)); return v; } });
    const first = await Promise.all([s.view(), s.view(), s.view()]);
    expect(fetches).toBe(1);
    expect(new Set(first).size).toBe(1);
    // A change while a fetch is in flight: a read that starts after it must wait for a newer fetch.
    s.invalidate();
    const during = s.view();
    value = 1;
    s.invalidate();
    const after = await s.view();
    await during;
    expect(after.body.toString()).toBe('{"status":"success","data":1}');
  });

  it('keeps the same view (and ETag) when a refresh returns the same identity, and renews a view that is too old', async () => {
    let now = 0;
    let stamp = 0;
    const s = new Snapshot({
      name: 't', now: () => now, maxViewAgeMs: 1000,
      fetch: async () => [{ app: 'a', broadcastedAt: ++stamp }],
      identity: (rows) => rows.map((r) => r.app),
    });
    const v1 = await s.view();
    s.invalidate();
    expect(await s.view()).toBe(v1);
    now = 1000;
    const v2 = await s.view();
    expect(v2).not.toBe(v1);
    expect(JSON.parse(v2.body.toString()).data[0].broadcastedAt).toBe(3);
  });

  it('passes a failed fetch to the reads waiting for it, and fetches again on the next read', async () => {
    let fail = true;
    const s = new Snapshot({ name: 't', fetch: async () => { if (fail) throw new Error('registry down'); return 1; } });
    await expect(s.view()).rejects.toThrow('registry down');
    fail = false;
    expect((await s.view()).body.toString()).toBe('{"status":"success","data":1}');
  });
});

describe('If-None-Match', () => {
  it('matches the ETag alone, in a list, weakly, or *; nothing else', () => {
    const etag = etagOf(Buffer.from('x'));
    expect(ifNoneMatchHits(etag, etag)).toBe(true);
    expect(ifNoneMatchHits(`"a", ${etag}`, etag)).toBe(true);
    expect(ifNoneMatchHits(`W/${etag}`, etag)).toBe(true);
    expect(ifNoneMatchHits('*', etag)).toBe(true);
    expect(ifNoneMatchHits(undefined, etag)).toBe(false);
    expect(ifNoneMatchHits('"a"', etag)).toBe(false);
    expect(ifNoneMatchHits(etag.slice(1, -1), etag)).toBe(false);
  });

  it('the ETag is a function of the bytes: equal bodies, equal tags; different bodies, different tags', () => {
    fc.assert(fc.property(fc.jsonValue(), fc.jsonValue(), (a, b) => {
      const va = viewOf(a);
      const vb = viewOf(b);
      expect(va.etag === vb.etag).toBe(va.body.equals(vb.body));
      expect(ifNoneMatchHits(va.etag, vb.etag)).toBe(va.body.equals(vb.body));
    }));
  });
});

describe('Snapshot.revalidate (the periodic safety pass)', () => {
  it('fetches in the background while reads keep the current copy, and replaces it only if the answer changed', async () => {
    let value = 1;
    let release: (() => void) | undefined;
    const s = new Snapshot({ name: 't', fetch: async () => { const v = value; if (release === undefined && v > 1) await new Promise<void>((r) => { release = r; }); return v; } });
    const v1 = await s.view();
    value = 2;
    const pending = s.revalidate();
    await new Promise((r) => setTimeout(r, 5));
    expect(await s.view()).toBe(v1); // not blocked by the fetch in flight
    release!();
    await pending;
    expect((await s.view()).body.toString()).toBe('{"status":"success","data":2}');
  });

  it('skips a snapshot nobody read since its last fetch, and reports a failure without failing reads', async () => {
    let fetches = 0;
    let fail = false;
    const s = new Snapshot({ name: 't', fetch: async () => { fetches++; if (fail) throw new Error('down'); return 1; } });
    await s.revalidate();
    expect(fetches).toBe(0); // never read
    const v = await s.view();
    await s.revalidate();
    expect(fetches).toBe(2);
    await s.revalidate();
    expect(fetches).toBe(2); // not read since
    await s.view();
    fail = true;
    const errors: unknown[] = [];
    await s.revalidate((err) => errors.push(err));
    expect(errors).toHaveLength(1);
    expect(await s.view()).toBe(v);
  });
});
