import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { imageProblem, type ImagePlatform } from './image-rules';

const amd64 = (sizeBytes?: number): ImagePlatform => ({ os: 'linux', architecture: 'amd64', ...(sizeBytes === undefined ? {} : { sizeBytes }) });

describe('imageProblem', () => {
  it('accepts a linux/amd64 image up to the maximum size', () => {
    expect(imageProblem({ repotag: 'a:1', platforms: [amd64(5_000_000_000)] }, 'compose[0].repotag')).toBeNull();
    expect(imageProblem({ repotag: 'a:1', platforms: [{ os: 'linux', architecture: 'arm64' }, amd64(10)] }, 'r')).toBeNull();
  });

  it('refuses an image not built for linux/amd64, naming what the registry has', () => {
    expect(imageProblem({ repotag: 'a:1', platforms: [{ os: 'linux', architecture: 'arm64', variant: 'v8', sizeBytes: 1 }] }, 'compose[1].repotag')).toEqual({
      rule: 'repotag.platform', message: 'compose[1].repotag: image a:1 is not built for linux/amd64 (the registry has linux/arm64/v8)',
    });
  });

  it('refuses an image above the maximum, in GB', () => {
    expect(imageProblem({ repotag: 'big:1', platforms: [amd64(6_200_000_000)] }, 'repotag')).toEqual({
      rule: 'repotag.size', message: 'repotag: image big:1 is 6.20 GB, above the maximum image size of 5.00 GB',
    });
  });

  it('property: refused exactly when no linux/amd64 platform, or that platform is above the maximum', () => {
    const arbPlatform = fc.record({
      os: fc.constantFrom('linux', 'windows'), architecture: fc.constantFrom('amd64', 'arm64', 'arm'),
      sizeBytes: fc.option(fc.integer({ min: 0, max: 10_000 }), { nil: undefined }),
    }).map((p) => (p.sizeBytes === undefined ? { os: p.os, architecture: p.architecture } : p) as ImagePlatform);
    fc.assert(fc.property(fc.array(arbPlatform, { maxLength: 4 }), fc.integer({ min: 0, max: 10_000 }), (platforms, max) => {
      const p = imageProblem({ repotag: 'x', platforms }, 'r', max);
      const target = platforms.find((x) => x.os === 'linux' && x.architecture === 'amd64');
      if (!target) expect(p?.rule).toBe('repotag.platform');
      else if ((target.sizeBytes ?? 0) > max) expect(p?.rule).toBe('repotag.size');
      else expect(p).toBeNull();
    }));
  });
});
