import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { waitUntil } from '@fluxplane/testkit';
import { exampleSpec } from '@fluxplane/flux-spec';
import { RegistrationStack, startRegistrationStack } from '../../../services/gateway/test/stack';

const run = promisify(execFile);
const ROOT = resolve(__dirname, '../../..');
const CLI = join(ROOT, 'apps/cli/dist/main.js');

/** The built CLI against a running gateway and devchain: keygen, then register (log in, sign, submit, pay). */
describe('fluxplane CLI', () => {
  let stack: RegistrationStack;
  let dir: string;
  // Async, never execFileSync: the gateway it talks to runs in this process.
  const cli = (...args: string[]) => run(process.execPath, [CLI, ...args], { cwd: ROOT, timeout: 60_000 });

  beforeAll(async () => {
    await run('npx', ['tsc', '-b', 'apps/cli'], { cwd: ROOT, timeout: 120_000 });
    dir = mkdtempSync(join(tmpdir(), 'fluxplane-cli-'));
    stack = await startRegistrationStack('cli');
    stack.chain.generate(1);
    await stack.synced();
  });
  afterAll(async () => {
    await stack?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('registers a spec file with a key and pays for it on the devchain', async () => {
    const keyFile = join(dir, 'owner.key');
    const address = (await cli('keygen', keyFile)).stdout.trim();
    expect(address).toMatch(/^1[1-9A-HJ-NP-Za-km-z]{25,33}$/);
    const { owner: _owner, ...spec }: Record<string, unknown> = { ...exampleSpec(8), name: 'clidemo', expire: 1000 };
    const specFile = join(dir, 'clidemo.json');
    writeFileSync(specFile, JSON.stringify(spec));

    const out = (await cli('register', specFile, '--key', keyFile, '--gateway', stack.base, '--pay-devchain', stack.devchainUrl)).stdout;
    expect(out).toContain(`logged in as ${address}`);
    const hash = /hash ([0-9a-f]{64})/.exec(out)?.[1];
    expect(hash).toBeDefined();
    expect(out).toMatch(/paid [\d.]+ FLUX to the apps address/);

    stack.chain.generate(1);
    await stack.synced();
    const listed = await waitUntil(async () => {
      const r = await (await fetch(`${stack.base}/apps/globalappsspecifications`)).json() as { data: Array<{ name: string; hash: string; owner: string }> };
      return r.data.find((a) => a.name === 'clidemo');
    }, { what: 'clidemo listed' });
    expect(listed).toMatchObject({ hash, owner: address });
    expect(readFileSync(keyFile, 'utf8').trim()).toMatch(/^[0-9a-f]{64}$/);
  });

  it('refuses bad options and inputs up front, naming them, with exit code 1', async () => {
    const keyFile = join(dir, 'owner.key');
    const specFile = join(dir, 'opts.json');
    writeFileSync(specFile, JSON.stringify({ ...exampleSpec(8), name: 'cliopts' }));
    const fail = (...args: string[]) => cli(...args).then(() => undefined, (err: { code: number; stderr: string }) => err);
    // A non-numeric --timeout made the watch loop's deadline NaN: it never timed out.
    const timeout = await fail('register', specFile, '--key', keyFile, '--gateway', stack.base, '--watch', '--timeout', 'soon');
    expect(timeout?.code).toBe(1);
    expect(timeout?.stderr).toMatch(/--timeout: /);
    const amount = await fail('register', specFile, '--key', keyFile, '--gateway', stack.base, '--pay-devchain', stack.devchainUrl, '--amount', 'lots');
    expect(amount?.stderr).toMatch(/--amount: /);
    // A mistyped key file used to answer "Non-base58 character".
    const missingKey = await fail('sign', specFile, '--key', join(dir, 'typo.key'));
    expect(missingKey?.code).toBe(1);
    expect(missingKey?.stderr).toMatch(/typo\.key/);
    const nullSpec = join(dir, 'null.json');
    writeFileSync(nullSpec, 'null');
    const notObject = await fail('sign', nullSpec, '--key', keyFile);
    expect(notObject?.stderr).toMatch(/null\.json: .*JSON object/);
  });

  it('fails with the gateway\'s error when the spec breaks a rule', async () => {
    const specFile = join(dir, 'bad.json');
    writeFileSync(specFile, JSON.stringify({ ...exampleSpec(8), name: 'clibad', owner: undefined, instances: 1000 }));
    const keyFile = join(dir, 'owner.key');
    const failed = await cli('register', specFile, '--key', keyFile, '--gateway', stack.base).then(() => undefined, (err: { code: number; stderr: string }) => err);
    expect(failed?.code).toBe(1);
    expect(failed?.stderr).toMatch(/instances/);
  });
});
