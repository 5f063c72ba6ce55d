import { z } from 'zod';
import { errorText } from '@fluxplane/service-kit';
import type { RegistryCredentials } from '@fluxplane/flux-spec';
import type { ImageFacts, ImagePlatform } from '../spec/image-rules';

/** Why an image could not be looked up: not there, or the registry did not answer sensibly. */
export class ImageLookupError extends Error {
  override readonly name = 'ImageLookupError';
  constructor(message: string, readonly notFound = false) {
    super(message);
  }
}

/** Basic credentials for a private image (the component's `repoauth`, "user:password"; flux-spec reads it). */
export type { RegistryCredentials };

/** The registry images are looked up in, behind an interface (tests, other registries). */
export interface ImageRegistry {
  facts(repotag: string, auth?: RegistryCredentials): Promise<ImageFacts>;
}

const MANIFEST_LIST = ['application/vnd.docker.distribution.manifest.list.v2+json', 'application/vnd.oci.image.index.v1+json'];
const MANIFEST = ['application/vnd.docker.distribution.manifest.v2+json', 'application/vnd.oci.image.manifest.v1+json'];

const Platform = z.object({ os: z.string(), architecture: z.string(), variant: z.string().optional() });
const ManifestList = z.object({ manifests: z.array(z.object({ digest: z.string(), platform: Platform.optional() })) });
const Descriptor = z.object({ digest: z.string(), size: z.number().int().nonnegative() });
const Manifest = z.object({ config: Descriptor, layers: z.array(Descriptor) });
const ImageConfig = z.object({ os: z.string(), architecture: z.string(), variant: z.string().optional() });

/**
 * Docker Registry HTTP API v2, through the same mirror the node agents pull from (a repotag
 * `name:tag` is looked up as `<mirror>/v2/<name>/manifests/<tag>`): a manifest list names the
 * platforms; a platform's manifest gives its layer sizes; a plain manifest's platform is in its
 * config blob.
 */
export class RegistryHttpApi implements ImageRegistry {
  constructor(private readonly mirror: string, private readonly timeoutMs = 10_000) {}

  async facts(repotag: string, auth?: RegistryCredentials): Promise<ImageFacts> {
    const { name, reference } = splitRepotag(repotag, this.mirror);
    const top = await this.get(`${name}/manifests/${reference}`, [...MANIFEST_LIST, ...MANIFEST], repotag, auth);
    if (MANIFEST_LIST.includes(top.type)) {
      const list = parse(ManifestList, top.body, repotag, 'manifest list');
      const platforms: ImagePlatform[] = [];
      for (const m of list.manifests) {
        if (!m.platform) continue;
        const p: ImagePlatform = { ...m.platform };
        if (p.os === 'linux' && p.architecture === 'amd64') p.sizeBytes = sizeOf(parse(Manifest, (await this.get(`${name}/manifests/${m.digest}`, MANIFEST, repotag, auth)).body, repotag, 'manifest'));
        platforms.push(p);
      }
      return { repotag, platforms };
    }
    const manifest = parse(Manifest, top.body, repotag, 'manifest');
    const config = parse(ImageConfig, (await this.get(`${name}/blobs/${manifest.config.digest}`, ['*/*'], repotag, auth)).body, repotag, 'image config');
    return { repotag, platforms: [{ os: config.os, architecture: config.architecture, ...(config.variant ? { variant: config.variant } : {}), sizeBytes: sizeOf(manifest) }] };
  }

  private async get(path: string, accept: string[], repotag: string, auth?: RegistryCredentials): Promise<{ type: string; body: unknown }> {
    const headers: Record<string, string> = { Accept: accept.join(', ') };
    if (auth) headers.Authorization = `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`;
    let res: Response;
    try {
      res = await fetch(`http://${this.mirror}/v2/${path}`, { headers, signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (err) {
      throw new ImageLookupError(`registry ${this.mirror} did not answer for ${repotag}: ${errorText(err)}`);
    }
    if (res.status === 404) throw new ImageLookupError(`image ${repotag} is not in registry ${this.mirror}`, true);
    if (res.status === 401 || res.status === 403) throw new ImageLookupError(`registry ${this.mirror} refused access to ${repotag} (HTTP ${res.status}; check repoauth)`);
    if (!res.ok) throw new ImageLookupError(`registry ${this.mirror} answered HTTP ${res.status} for ${repotag}`);
    const type = (res.headers.get('content-type') ?? '').split(';')[0]!.trim();
    try {
      return { type, body: await res.json() };
    } catch {
      throw new ImageLookupError(`registry ${this.mirror} answered ${repotag} with something that is not JSON`);
    }
  }
}

function parse<T>(schema: z.ZodType<T>, body: unknown, repotag: string, what: string): T {
  const r = schema.safeParse(body);
  if (!r.success) throw new ImageLookupError(`registry's ${what} of ${repotag} is malformed: ${r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
  return r.data;
}

function sizeOf(m: z.infer<typeof Manifest>): number {
  return m.config.size + m.layers.reduce((s, l) => s + l.size, 0);
}

/** `name[:tag]` or `name@digest`, with the mirror prefix dropped as the agent adds it. */
export function splitRepotag(repotag: string, mirror: string): { name: string; reference: string } {
  const ref = repotag.startsWith(`${mirror}/`) ? repotag.slice(mirror.length + 1) : repotag;
  const at = ref.indexOf('@');
  if (at >= 0) return { name: ref.slice(0, at), reference: ref.slice(at + 1) };
  const colon = ref.lastIndexOf(':');
  if (colon > ref.lastIndexOf('/')) return { name: ref.slice(0, colon), reference: ref.slice(colon + 1) };
  return { name: ref, reference: 'latest' };
}
