import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitUntil } from '@fluxplane/testkit';
import { addressFromPrivateKey, buildAppMessage, exampleSpec, formatSpec, randomPrivateKey } from '@fluxplane/flux-spec';
import { login } from './login';
import { RegistrationStack, startRegistrationStack } from './stack';

type Reply<T = unknown> = { status: 'success'; data: T } | { status: 'error'; data: { code: number; name: string; message: string } };
type Listed = Record<string, unknown> & { name: string; hash: string; height: number; description: string };

/**
 * An app's whole life through the running gateway, on a real devchain: verified, registered with a
 * zelidauth, paid, listed, updated by its owner (paid), refused when someone else updates it, and
 * gone from the listing at its expiry height.
 */
describe('app lifecycle through the gateway and the devchain', () => {
  let stack: RegistrationStack;
  const owner = randomPrivateKey();
  const intruder = randomPrivateKey();
  const EXPIRE = 10;

  const get = async <T>(path: string) => (await (await fetch(`${stack.base}${path}`)).json()) as Reply<T>;
  const post = async <T>(path: string, body: unknown, zelidauth?: string) =>
    (await (await fetch(`${stack.base}${path}`, {
      method: 'POST', headers: { 'content-type': 'application/json', ...(zelidauth ? { zelidauth } : {}) }, body: JSON.stringify(body),
    })).json()) as Reply<T>;
  const listed = async (): Promise<Listed | undefined> => {
    const r = await get<Listed[]>('/apps/globalappsspecifications');
    if (r.status !== 'success') throw new Error(r.data.message);
    return r.data.find((a) => a.name === 'lifecycle');
  };
  /** Pays what the gateway asks for `spec` and mines the payment; returns the payment's height. */
  const payFor = async (spec: Record<string, unknown>, hash: string, kind: 'registration' | 'update') => {
    const price = await post<{ flux: number; kind: string }>('/apps/calculateprice', spec);
    if (price.status !== 'success') throw new Error(price.data.message);
    expect(price.data.kind).toBe(kind);
    stack.chain.pay({ hash, amountSat: Math.round(price.data.flux * 1e8) });
    stack.chain.generate(1);
    await stack.synced();
    return stack.chain.height;
  };

  beforeAll(async () => {
    stack = await startRegistrationStack('life');
    stack.chain.generate(2);
    await stack.synced();
  });
  afterAll(async () => {
    await stack?.close();
  });

  const spec = formatSpec({ ...exampleSpec(8), name: 'lifecycle', owner: addressFromPrivateKey(owner), expire: EXPIRE, instances: 1 }) as unknown as Record<string, unknown>;
  let paidAt = 0;

  it('registers a v8 spec with zelidauth, and lists it once paid on the devchain', async () => {
    expect(await post('/apps/verifyappregistrationspecifications', spec)).toEqual({ status: 'success', data: spec });
    const message = buildAppMessage('fluxappregister', spec, owner);
    expect(await post('/apps/appregister', message)).toMatchObject({ status: 'error', data: { code: 401 } });
    expect(await post('/apps/appregister', message, await login(stack.base, owner))).toEqual({ status: 'success', data: message.hash });
    expect(await listed()).toBeUndefined();

    paidAt = await payFor(spec, message.hash, 'registration');
    const app = await waitUntil(listed, { what: 'registered app listed' });
    expect(app).toMatchObject({ ...spec, hash: message.hash, height: paidAt });
  });

  it('applies an update paid by its owner', async () => {
    const updated = { ...spec, description: 'updated by its owner' };
    expect(await post('/apps/verifyappupdatespecifications', updated)).toEqual({ status: 'success', data: updated });
    const message = buildAppMessage('fluxappupdate', updated, owner, { timestamp: Date.now() + 1 });
    expect(await post('/apps/appupdate', message, await login(stack.base, owner))).toEqual({ status: 'success', data: message.hash });
    paidAt = await payFor(updated, message.hash, 'update');
    const app = await waitUntil(async () => { const a = await listed(); return a?.hash === message.hash ? a : undefined; }, { what: 'update applied' });
    expect(app).toMatchObject({ description: 'updated by its owner', height: paidAt });
  });

  it('refuses an update signed by someone else, naming the signature', async () => {
    const before = await listed();
    const hijack = { ...before, owner: addressFromPrivateKey(intruder), description: 'not yours' };
    const spec2 = formatSpec(hijack) as unknown as Record<string, unknown>;
    const message = buildAppMessage('fluxappupdate', spec2, intruder);
    const reply = await post('/apps/appupdate', message, await login(stack.base, intruder));
    // Updates are verified against the current owner's key, whatever owner the new spec names.
    expect(reply).toMatchObject({ status: 'error', data: { code: 422, message: expect.stringMatching(/^message\.signature: .*\[message\.signature\]$/) } });
    expect(reply.status === 'error' && reply.data.message).toContain(addressFromPrivateKey(owner));
    expect((await get<unknown[]>(`/apps/temporarymessages/${message.hash}`)).data).toEqual([]);
    expect(await listed()).toEqual(before);
  });

  it('expires at the height of its last payment plus expire', async () => {
    const expiresAt = paidAt + EXPIRE;
    stack.chain.generate(expiresAt - 1 - stack.chain.height);
    await stack.synced();
    expect(stack.chain.height).toBe(expiresAt - 1);
    expect(await listed()).toBeDefined();
    stack.chain.generate(1);
    await stack.synced();
    await waitUntil(async () => (await listed()) === undefined, { what: 'app expired', timeoutMs: 10_000 });
    expect(stack.chain.height).toBe(expiresAt);
  });
});
