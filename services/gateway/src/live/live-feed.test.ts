import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { appMatcher, GAP_FRAME, LiveFeed, type FrameSink, type LiveEvent } from './live-feed';

/** A sink that takes `room` frames, then asks to wait until `drain()`. */
class Sink implements FrameSink {
  frames: string[] = [];
  ended = false;
  private drainer?: () => void;
  constructor(public room = Infinity) {}
  write(frame: string): boolean {
    this.frames.push(frame);
    return this.frames.length < this.room;
  }
  once(_event: 'drain', listener: () => void): void {
    this.drainer = listener;
  }
  end(): void {
    this.ended = true;
  }
  drain(room = Infinity): void {
    this.room = room;
    const d = this.drainer;
    this.drainer = undefined;
    d?.();
  }
  seqs(): number[] {
    return this.frames.filter((f) => f.startsWith('id: ')).map((f) => Number(/^id: (\d+)/.exec(f)![1]));
  }
}

const event = (seq: number, subject = 'evt.app.demo'): LiveEvent => ({ seq, subject, type: 'AppRegistered', time: '2026-01-01T00:00:00.000Z', data: {} });

describe('appMatcher', () => {
  it("takes the app's spec, placements, masters and instances, case-insensitively, and nothing else", () => {
    const m = appMatcher('Demo');
    for (const s of ['evt.app.demo', 'evt.placement.demo', 'evt.master.demo', 'evt.instance.demo.node1']) expect(m(s)).toBe(true);
    for (const s of ['evt.app.demo2', 'evt.instance.demo2.node1', 'evt.node.demo', 'evt.chain']) expect(m(s)).toBe(false);
  });
});

describe('LiveFeed', () => {
  it('sends each client the events of its filter, in order', () => {
    const feed = new LiveFeed(10);
    const all = new Sink();
    const demo = new Sink();
    feed.add(all);
    feed.add(demo, 'demo');
    feed.publish(event(1, 'evt.app.demo'));
    feed.publish(event(2, 'evt.node.n1'));
    feed.publish(event(3, 'evt.instance.demo.n1'));
    expect(all.seqs()).toEqual([1, 2, 3]);
    expect(demo.seqs()).toEqual([1, 3]);
  });

  it('queues while a client asks to wait, and sends the queue in order when it drains', () => {
    const feed = new LiveFeed(10);
    const slow = new Sink(1);
    feed.add(slow);
    for (let i = 1; i <= 5; i++) feed.publish(event(i));
    expect(slow.seqs()).toEqual([1]);
    slow.drain();
    expect(slow.seqs()).toEqual([1, 2, 3, 4, 5]);
    expect(slow.frames).not.toContain(GAP_FRAME);
  });

  it('drops the queue of a client that falls too far behind and tells it with a gap frame', () => {
    const feed = new LiveFeed(3);
    const slow = new Sink(1);
    const fast = new Sink();
    feed.add(slow);
    feed.add(fast);
    for (let i = 1; i <= 6; i++) feed.publish(event(i));
    slow.drain();
    // 2, 3, 4 filled the queue; 5 found it full: dropped, and 5, 6 follow a gap.
    expect(slow.frames[1]).toBe(GAP_FRAME);
    expect(slow.seqs()).toEqual([1, 5, 6]);
    expect(fast.seqs()).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('never holds more than its bound for a client, and what it sends is in stream order', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 8 }), fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 60 }), (bound, steps) => {
      const feed = new LiveFeed(bound);
      const sink = new Sink(2);
      feed.add(sink);
      let seq = 0;
      for (const step of steps) {
        if (step === 0) sink.drain(sink.frames.length + 2);
        else for (let i = 0; i < step; i++) feed.publish(event(++seq));
        expect(feed.queued).toBeLessThanOrEqual(bound);
      }
      sink.drain();
      const got = sink.seqs();
      expect(got).toEqual([...got].sort((a, b) => a - b));
      expect(new Set(got).size).toBe(got.length);
    }));
  });

  it('ends every response at close', () => {
    const feed = new LiveFeed(10);
    const a = new Sink();
    const b = new Sink();
    feed.add(a);
    const remove = feed.add(b);
    remove();
    expect(feed.size).toBe(1);
    feed.closeAll();
    expect(a.ended).toBe(true);
    expect(feed.size).toBe(0);
  });
});
