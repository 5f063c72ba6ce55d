import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitUntil } from '@fluxplane/testkit';
import { RegistrationStack, startRegistrationStack } from './stack';

type Reply<T = unknown> = { status: 'success'; data: T } | { status: 'error'; data: { code: number; name: string; message: string } };

/** An open `GET /events/live`: the frames read so far, and whether the server ended the response. */
async function openLive(url: string) {
  const abort = new AbortController();
  const res = await fetch(url, { signal: abort.signal });
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  const state = { text: '', ended: false, res };
  const done = (async () => {
    for (;;) {
      const { value, done: end } = await reader.read();
      if (end) break;
      state.text += decoder.decode(value, { stream: true });
    }
    state.ended = true;
  })().catch(() => { state.ended = true; });
  const events = () => state.text.split('\n\n').filter((f) => f.startsWith('id: ')).map((f) => JSON.parse(/\ndata: (.*)$/s.exec(f)![1]!) as { seq: number; subject: string; type: string });
  return { state, events, done, close: () => abort.abort() };
}

/**
 * The gateway's routes for the dashboard on a running gateway: the live events pushed as they are
 * stored (server-sent events), filtered by app, ended at shutdown; the recent events of an app; the
 * dashboard's files.
 */
describe('gateway: live events and the dashboard', () => {
  let stack: RegistrationStack;
  let closed = false;
  beforeAll(async () => {
    stack = await startRegistrationStack('live');
  });
  afterAll(async () => {
    if (!closed) await stack?.close();
  });

  it('pushes each event as it is stored, only the app asked for with ?app=', async () => {
    const all = await openLive(`${stack.base}/events/live`);
    const demo = await openLive(`${stack.base}/events/live?app=demo`);
    expect(all.state.res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    stack.chain.generate(2);
    const blocks = await waitUntil(() => {
      const b = all.events().filter((e) => e.type === 'BlockIndexed');
      return b.length >= 2 && b;
    }, { timeoutMs: 20_000, what: 'two BlockIndexed pushed' });
    expect(blocks.every((e) => e.subject === 'evt.chain')).toBe(true);
    expect(blocks[1]!.seq).toBeGreaterThan(blocks[0]!.seq);
    expect(demo.events()).toEqual([]);

    // A browser that goes away is let go of.
    const clients = async () => Number(/^fluxplane_gateway_live_clients(?:\{[^}]*\})? (\d+)$/m.exec(await (await fetch(`${stack.base}/metrics`)).text())?.[1]);
    expect(await clients()).toBe(2);
    all.close();
    demo.close();
    await waitUntil(async () => (await clients()) === 0, { timeoutMs: 10_000, what: 'both live clients removed' });
  });

  it('answers the recent events of an app, and names what is wrong with a bad query', async () => {
    expect(await (await fetch(`${stack.base}/events/recent?app=nosuchapp`)).json()).toEqual({ status: 'success', data: [] });
    const bad = (await (await fetch(`${stack.base}/events/recent?app=no.such&limit=9999`)).json()) as Reply;
    expect(bad).toMatchObject({ status: 'error', data: { code: 400 } });
    expect(bad.status === 'error' && bad.data.message).toMatch(/^app: /);
    const live = (await (await fetch(`${stack.base}/events/live?app=a*b`)).json()) as Reply;
    expect(live).toMatchObject({ status: 'error', data: { code: 400 } });
  });

  it('serves the dashboard under /dashboard/', async () => {
    const page = await fetch(`${stack.base}/dashboard/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<div id="root">');
    const bare = await fetch(`${stack.base}/dashboard`, { redirect: 'manual' });
    expect(bare.status).toBe(301);
    expect(bare.headers.get('location')).toBe('/dashboard/');
  });

  it('ends the live responses when the gateway shuts down', async () => {
    const live = await openLive(`${stack.base}/events/live`);
    await waitUntil(() => live.state.text.startsWith('retry:'), { what: 'the stream opened' });
    closed = true;
    await stack.close();
    await live.done;
    expect(live.state.ended).toBe(true);
  });
});
