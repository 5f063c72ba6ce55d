import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import Docker from 'dockerode';
import { DockerodeRuntime } from '../src/adapters/dockerode.runtime';
import { registryServerAddress } from '../src/domain/registry-address';

/**
 * A pull from a private registry through the agent's Docker adapter: Debian's docker-registry with
 * htpasswd (bcrypt) auth, started and filled by scripts/infra/private-registry.sh (idempotent; it
 * needs Docker and the demo image of the local registry, so run under the heavy flock).
 */
const ADDR = '127.0.0.1:5005';
const USER = 'fluxpuller';
const PASSWORD = 'devnet-pull-secret';
const IMAGE = `${ADDR}/fluxplane/private-demo:latest`;
const REPO_ROOT = join(__dirname, '../../..');

describe('pulling a private image (real Docker, registry with htpasswd auth)', () => {
  const docker = new Docker({ socketPath: '/var/run/docker.sock' });
  const runtime = new DockerodeRuntime('/var/run/docker.sock', { idleTimeoutMs: 30_000, pullTimeoutMs: 60_000 });
  const removeLocal = () => docker.getImage(IMAGE).remove({ force: true }).catch(() => undefined);

  beforeAll(async () => {
    execFileSync('bash', [join(REPO_ROOT, 'scripts/infra/private-registry.sh')], {
      stdio: 'inherit', env: { ...process.env, PRIVATE_REGISTRY_ADDR: ADDR, PRIVATE_REGISTRY_USER: USER, PRIVATE_REGISTRY_PASSWORD: PASSWORD },
    });
    await removeLocal();
  }, 300_000);
  afterAll(removeLocal);

  it('is refused without credentials and with a wrong password', async () => {
    await expect(runtime.pull(IMAGE)).rejects.toThrow(/pull 127\.0\.0\.1:5005\/fluxplane\/private-demo:latest: .*(no basic auth|unauthorized|authentication required)/i);
    const wrong = { username: USER, password: 'wrong', serveraddress: registryServerAddress(IMAGE) };
    await expect(runtime.pull(IMAGE, undefined, wrong)).rejects.toThrow(/unauthorized|authentication required/i);
    expect(await runtime.hasImage(IMAGE)).toBe(false);
  });

  it('pulls with the right credentials, reporting progress', async () => {
    const events: string[] = [];
    await runtime.pull(IMAGE, (p) => { if (p.status) events.push(p.status); }, { username: USER, password: PASSWORD, serveraddress: registryServerAddress(IMAGE) });
    expect(await runtime.hasImage(IMAGE)).toBe(true);
    expect(events.some((s) => /Downloaded newer image|Pull complete|Status/.test(s))).toBe(true);
  });
});
