import { beforeAll, describe, expect, it } from 'vitest';
import { createHash, randomBytes } from 'node:crypto';
import { Refusal } from '@fluxplane/contracts';
import { RegistryHttpApi } from '../src/adapters/image-registry';
import { ImageChecks } from '../src/spec/image-checks';

/**
 * The image rules against the real local registry (scripts/infra/up.sh registry demo-image): the
 * demo image passes; hand-made manifests (pushed through the registry's HTTP API) for arm64 only,
 * and for an amd64 image whose layers add up to more than 5 GB, are refused naming the rule.
 */
const REGISTRY = '127.0.0.1:5000';
const suffix = randomBytes(3).toString('hex');
const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

async function pushBlob(name: string, body: Buffer): Promise<string> {
  const digest = sha(body);
  const start = await fetch(`http://${REGISTRY}/v2/${name}/blobs/uploads/`, { method: 'POST' });
  if (start.status !== 202) throw new Error(`blob upload to ${REGISTRY} refused: HTTP ${start.status}`);
  const location = new URL(start.headers.get('location')!, `http://${REGISTRY}`);
  location.searchParams.set('digest', digest);
  const put = await fetch(location, { method: 'PUT', headers: { 'content-type': 'application/octet-stream' }, body });
  if (put.status !== 201) throw new Error(`blob put refused: HTTP ${put.status} ${await put.text()}`);
  return digest;
}

/** A one-layer image for `architecture`; `claimedLayerSize` is what the manifest says the layer weighs. */
async function pushImage(name: string, architecture: string, claimedLayerSize?: number): Promise<void> {
  const layer = Buffer.from(randomBytes(64));
  const layerDigest = await pushBlob(name, layer);
  const config = Buffer.from(JSON.stringify({ architecture, os: 'linux', rootfs: { type: 'layers', diff_ids: [layerDigest] }, config: {} }));
  const configDigest = await pushBlob(name, config);
  const manifest = {
    schemaVersion: 2, mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
    config: { mediaType: 'application/vnd.docker.container.image.v1+json', size: config.length, digest: configDigest },
    layers: [{ mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', size: claimedLayerSize ?? layer.length, digest: layerDigest }],
  };
  const res = await fetch(`http://${REGISTRY}/v2/${name}/manifests/latest`, {
    method: 'PUT', headers: { 'content-type': manifest.mediaType }, body: JSON.stringify(manifest),
  });
  if (res.status !== 201) throw new Error(`manifest put refused: HTTP ${res.status} ${await res.text()}`);
}

describe('image checks (real registry)', () => {
  const checks = new ImageChecks(new RegistryHttpApi(REGISTRY));
  const refusal = async (repotag: string) => {
    try {
      await checks.check({ version: 8, compose: [{ repotag: 'fluxplane/demo:latest' }, { repotag }] });
    } catch (err) {
      if (err instanceof Refusal) return { rule: err.rule, message: err.message };
      throw err;
    }
    return null;
  };

  beforeAll(async () => {
    const v2 = await fetch(`http://${REGISTRY}/v2/`).catch(() => undefined);
    if (v2?.status !== 200) throw new Error(`registry ${REGISTRY} not reachable; run: bash scripts/infra/up.sh registry demo-image`);
    await pushImage(`fluxplane/test-arm64-${suffix}`, 'arm64');
    await pushImage(`fluxplane/test-huge-${suffix}`, 'amd64', 6_000_000_000);
  });

  it('accepts the demo image (linux/amd64, small), with or without the mirror prefix', async () => {
    await expect(checks.check({ version: 8, compose: [{ repotag: 'fluxplane/demo:latest' }, { repotag: `${REGISTRY}/fluxplane/demo` }] })).resolves.toBeUndefined();
    await expect(checks.check({ version: 3, repotag: 'fluxplane/demo:latest' })).resolves.toBeUndefined();
  });

  it('refuses an image built for arm64 only', async () => {
    expect(await refusal(`fluxplane/test-arm64-${suffix}:latest`)).toEqual({
      rule: 'repotag.platform',
      message: `compose[1].repotag: image fluxplane/test-arm64-${suffix}:latest is not built for linux/amd64 (the registry has linux/arm64)`,
    });
  });

  it('refuses an image above the maximum image size (5 GB)', async () => {
    const r = await refusal(`fluxplane/test-huge-${suffix}:latest`);
    expect(r?.rule).toBe('repotag.size');
    expect(r?.message).toMatch(/^compose\[1\]\.repotag: image fluxplane\/test-huge-\w+:latest is 6\.00 GB, above the maximum image size of 5\.00 GB$/);
  });

  it('refuses an image the registry does not have', async () => {
    expect(await refusal(`fluxplane/missing-${suffix}:latest`)).toEqual({
      rule: 'repotag.notFound', message: `compose[1].repotag: image fluxplane/missing-${suffix}:latest is not in registry ${REGISTRY}`,
    });
  });
});
