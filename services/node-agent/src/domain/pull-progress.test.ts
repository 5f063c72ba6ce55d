import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { PullTracker } from './pull-progress';

describe('PullTracker', () => {
  it('folds Docker progress lines into layers and bytes', () => {
    const t = new PullTracker();
    t.add({ status: 'Pulling from fluxplane/demo', id: 'latest' });
    t.add({ status: 'Pulling fs layer', id: 'a' });
    t.add({ status: 'Already exists', id: 'b' });
    t.add({ status: 'Downloading', id: 'a', progressDetail: { current: 100, total: 1000 } });
    expect(t.state()).toEqual({ layers: 2, layersDone: 1, downloadedBytes: 100, totalBytes: 1000 });
    t.add({ status: 'Downloading', id: 'a', progressDetail: { current: 1000, total: 1000 } });
    t.add({ status: 'Pull complete', id: 'a' });
    expect(t.state()).toEqual({ layers: 2, layersDone: 2, downloadedBytes: 1000, totalBytes: 1000 });
  });

  it('property: downloaded bytes never decrease, and never exceed the known total once every layer is done', () => {
    const arbEvent = fc.record({
      id: fc.constantFrom('a', 'b', 'c'),
      status: fc.constantFrom('Pulling fs layer', 'Downloading', 'Download complete', 'Pull complete', 'Already exists', 'Extracting'),
      current: fc.nat(5000), total: fc.nat(5000),
    });
    fc.assert(fc.property(fc.array(arbEvent, { maxLength: 30 }), (events) => {
      const t = new PullTracker();
      let last = 0;
      for (const e of events) {
        t.add({ id: e.id, status: e.status, progressDetail: { current: e.current, total: e.total } });
        const s = t.state();
        expect(s.downloadedBytes).toBeGreaterThanOrEqual(last);
        expect(s.layersDone).toBeLessThanOrEqual(s.layers);
        last = s.downloadedBytes;
      }
    }));
  });
});
