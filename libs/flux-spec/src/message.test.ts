import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { exampleSpec, EXAMPLE_HEIGHT } from './examples';
import { messageHash, signedText } from './hash';
import { verifyMessage } from './message';
import {
  addressFromPrivateKey, publicKeyFromPrivateKey, randomPrivateKey, signMessage, verifySignature,
} from './signature';
import { recoverEthSigner } from './ethereum';

const fixture = JSON.parse(readFileSync(join(__dirname, '../fixtures/flux-register-message-v2.json'), 'utf8')).message;
const AFTER_ETH = 1_700_000_000_000;

function signed(spec: Record<string, unknown>, key: Uint8Array, opts: { type?: string; timestamp?: number; scheme?: 'bitcoin' | 'ethereum' } = {}) {
  const type = opts.type ?? 'fluxappregister';
  const timestamp = opts.timestamp ?? AFTER_ETH;
  const signature = signMessage(signedText(type, 1, spec, timestamp), key, opts.scheme);
  return { type, version: 1, appSpecifications: spec, timestamp, signature, hash: messageHash(type, 1, spec, timestamp, signature) };
}

describe('real signed message (fixture)', () => {
  it('hash and signature verify', () => {
    const { type, version, appSpecifications: spec, timestamp, signature, hash } = fixture;
    expect(messageHash(type, version, spec, timestamp, signature)).toBe(hash);
    expect(verifySignature(signedText(type, version, spec, timestamp), spec.owner, signature, { timestamp })).toBe(true);
    // 2020 rules differ from today's (port 30001 is now banned), so check hash+signature only.
    const r = verifyMessage(fixture, { height: 700_000, skipSpecRules: true });
    expect(r.ok).toBe(true);
  });

  it('a one-byte change to the spec breaks hash and signature', () => {
    const spec = { ...fixture.appSpecifications, description: 'Folding @ Home is cool :(' };
    const { type, version, timestamp, signature, hash } = fixture;
    expect(messageHash(type, version, spec, timestamp, signature)).not.toBe(hash);
    expect(verifySignature(signedText(type, version, spec, timestamp), spec.owner, signature)).toBe(false);
    const r = verifyMessage({ ...fixture, appSpecifications: spec }, { height: 700_000, skipSpecRules: true });
    expect(!r.ok && r.error.rule).toBe('message.hash');
    // With a recomputed hash, the signature is what fails.
    const rehashed = { ...fixture, appSpecifications: spec, hash: messageHash(type, version, spec, timestamp, signature) };
    const r2 = verifyMessage(rehashed, { height: 700_000, skipSpecRules: true });
    expect(!r2.ok && r2.error.rule).toBe('message.signature');
  });
});

describe('sign then verify', () => {
  it('bitcoin: ZelID address', () => {
    const key = randomPrivateKey();
    const spec = { ...exampleSpec(8), owner: addressFromPrivateKey(key) };
    const r = verifyMessage(signed(spec, key), { height: EXAMPLE_HEIGHT });
    expect(r.ok, JSON.stringify(r)).toBe(true);
  });

  it('bitcoin: public key owner (> 36 chars) becomes a P2PKH address', () => {
    const key = randomPrivateKey();
    const spec = { ...exampleSpec(8), owner: publicKeyFromPrivateKey(key) };
    expect(verifyMessage(signed(spec, key), { height: EXAMPLE_HEIGHT }).ok).toBe(true);
  });

  it('bitcoin: WIF keys', () => {
    const wif = '5HueCGU8rMjxEXxiPuD5BDku4MkFqeZyd4dZ1jvhTVqvbTLvyTJ'; // well-known test vector
    const owner = addressFromPrivateKey(wif);
    expect(owner).toBe('1GAehh7TsJAHuUAeKZcXf5CnwuGuGgyX2S');
    expect(verifySignature('hello', owner, signMessage('hello', wif))).toBe(true);
  });

  it('ethereum: 0x owner, only after 2023-07-10', () => {
    const key = randomPrivateKey();
    const owner = addressFromPrivateKey(key, 'ethereum');
    const spec = { ...exampleSpec(8), owner };
    expect(verifyMessage(signed(spec, key, { scheme: 'ethereum' }), { height: EXAMPLE_HEIGHT }).ok).toBe(true);
    const early = verifyMessage(signed(spec, key, { scheme: 'ethereum', timestamp: 1_688_947_200_000 }), { height: EXAMPLE_HEIGHT });
    expect(!early.ok && early.error.rule).toBe('message.signature');
  });

  it('ethereum: recovers a known personal_sign vector', () => {
    // Private key 0x4c0883a6…362318 (web3.js docs); address 0x2c7536E3605D9C16a7a3D7b1898e529396a65c23.
    const key = '4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318';
    const sig = signMessage('Some data', key, 'ethereum');
    expect(sig).toBe('0xb91467e570a6466aa9e9876cbcd013baba02900b8979d43fe208a4a4f339f5fd6007e74cd82e037b800186422fc2da167c747ef045e5d18a5f5d4300f8e1a0291c');
    expect(recoverEthSigner('Some data', sig)).toBe('0x2c7536e3605d9c16a7a3d7b1898e529396a65c23');
  });

  it('wrong key fails', () => {
    const key = randomPrivateKey();
    const spec = { ...exampleSpec(8), owner: addressFromPrivateKey(randomPrivateKey()) };
    const r = verifyMessage(signed(spec, key), { height: EXAMPLE_HEIGHT });
    expect(!r.ok && r.error.rule).toBe('message.signature');
  });
});

describe('verifyMessage envelope and updates', () => {
  const key = randomPrivateKey();
  const owner = addressFromPrivateKey(key);
  const spec = { ...exampleSpec(8), owner };

  it('checks type, version, timestamp window and spec rules', () => {
    const m = signed(spec, key);
    expect(verifyMessage({ ...m, type: 'other' }, { height: EXAMPLE_HEIGHT })).toMatchObject({ ok: false, error: { rule: 'message.type' } });
    expect(verifyMessage({ ...m, version: 2 }, { height: EXAMPLE_HEIGHT })).toMatchObject({ ok: false, error: { rule: 'message.version' } });
    expect(verifyMessage(m, { height: EXAMPLE_HEIGHT, now: AFTER_ETH + 2 * 3_600_000 })).toMatchObject({ ok: false, error: { rule: 'message.timestamp' } });
    expect(verifyMessage(m, { height: EXAMPLE_HEIGHT, now: AFTER_ETH }).ok).toBe(true);
    const bad = signed({ ...spec, instances: 101 }, key);
    expect(verifyMessage(bad, { height: EXAMPLE_HEIGHT })).toMatchObject({ ok: false, error: { rule: 'instances.tooMany' } });
  });

  it('updates are signed by the previous owner', () => {
    const newOwner = addressFromPrivateKey(randomPrivateKey());
    const m = signed({ ...spec, owner: newOwner }, key, { type: 'fluxappupdate' });
    expect(verifyMessage(m, { height: EXAMPLE_HEIGHT, previousOwner: owner, previousSpec: spec }).ok).toBe(true);
    expect(verifyMessage(m, { height: EXAMPLE_HEIGHT, previousOwner: newOwner })).toMatchObject({ ok: false, error: { rule: 'message.signature' } });
    expect(verifyMessage(m, { height: EXAMPLE_HEIGHT })).toMatchObject({ ok: false, error: { rule: 'message.previousOwner' } });
  });

  it('accepts the legacy v1-3 order (repotag before owner) for the signature', () => {
    const v2 = exampleSpec(2);
    const { version, name, description, owner: _o, repotag, ...rest } = v2;
    const legacy = { version, name, description, repotag, owner, ...rest };
    const m = signed(legacy, key);
    expect(verifyMessage(m, { height: EXAMPLE_HEIGHT }).ok).toBe(true);
  });
});
