/**
 * FluxOS's image rules at registration (`checkApplicationImagesComplience` / the registry lookup in
 * `appValidator.js`): an image must exist, be built for linux/amd64 (FluxOS also has arm64 nodes;
 * this network has amd64 nodes only, as enterprise apps must) and be at most
 * `fluxapps.maxImageSize` (5 GB, summed compressed layer sizes as the registry's manifest states
 * them). Pure: the facts come from the registry adapter.
 */
import { MAX_IMAGE_SIZE_BYTES } from './deployment-information';

export interface ImagePlatform {
  os: string;
  architecture: string;
  variant?: string;
  /** Sum of the manifest's layer sizes (and config), when this platform's manifest was read. */
  sizeBytes?: number;
}

/** What the registry says about one repotag: one platform for a plain manifest, several for a list. */
export interface ImageFacts {
  repotag: string;
  platforms: ImagePlatform[];
}

export const REQUIRED_PLATFORM = { os: 'linux', architecture: 'amd64' } as const;

export interface ImageProblem {
  rule: 'repotag.platform' | 'repotag.size';
  message: string;
}

const gb = (bytes: number) => `${(bytes / 1e9).toFixed(2)} GB`;

export function imageProblem(facts: ImageFacts, where: string, maxBytes = MAX_IMAGE_SIZE_BYTES): ImageProblem | null {
  const match = facts.platforms.find((p) => p.os === REQUIRED_PLATFORM.os && p.architecture === REQUIRED_PLATFORM.architecture);
  if (!match) {
    const has = facts.platforms.map((p) => `${p.os}/${p.architecture}${p.variant ? `/${p.variant}` : ''}`).join(', ') || 'no platform';
    return { rule: 'repotag.platform', message: `${where}: image ${facts.repotag} is not built for linux/amd64 (the registry has ${has})` };
  }
  if (match.sizeBytes !== undefined && match.sizeBytes > maxBytes) {
    return { rule: 'repotag.size', message: `${where}: image ${facts.repotag} is ${gb(match.sizeBytes)}, above the maximum image size of ${gb(maxBytes)}` };
  }
  return null;
}
