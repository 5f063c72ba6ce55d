import { Inject, Injectable } from '@nestjs/common';
import { Refusal } from '@fluxplane/contracts';
import { registryCredentials } from '@fluxplane/flux-spec';
import { ImageLookupError, type ImageRegistry, type RegistryCredentials } from '../adapters/image-registry';
import { imageProblem } from './image-rules';

export const IMAGE_REGISTRY = Symbol('fluxplane.gateway.image-registry');

/**
 * The image rules, checked where FluxOS checks them: when a spec is verified or a message submitted
 * at this gateway. They are an admission check at the edge, not part of app-registry's decision:
 * the registry's verdicts must replay the same forever, and what a Docker registry holds changes.
 * Without a registry configured (IMAGE_CHECK_REGISTRY empty) nothing is looked up.
 */
@Injectable()
export class ImageChecks {
  constructor(@Inject(IMAGE_REGISTRY) private readonly registry: ImageRegistry | null) {}

  async check(spec: Record<string, unknown>): Promise<void> {
    if (!this.registry) return;
    for (const c of imagesOf(spec)) {
      let problem: { rule: string; message: string } | null;
      try {
        problem = imageProblem(await this.registry.facts(c.repotag, c.auth), c.where);
      } catch (err) {
        if (!(err instanceof ImageLookupError)) throw err;
        problem = { rule: err.notFound ? 'repotag.notFound' : 'repotag.unverifiable', message: `${c.where}: ${err.message}` };
      }
      if (problem) throw new Refusal(problem.rule, problem.message);
    }
  }
}

/** Each component's image and its `repoauth` ("user:password"; never logged). */
function imagesOf(spec: Record<string, unknown>): Array<{ where: string; repotag: string; auth?: RegistryCredentials }> {
  const one = (c: Record<string, unknown>, where: string) => {
    const auth = registryCredentials(c.repoauth);
    return typeof c.repotag === 'string' && c.repotag ? [{ where, repotag: c.repotag, ...(auth ? { auth } : {}) }] : [];
  };
  if (Array.isArray(spec.compose)) {
    return spec.compose.flatMap((c, i) => (c && typeof c === 'object' ? one(c as Record<string, unknown>, `compose[${i}].repotag`) : []));
  }
  return one(spec, 'repotag');
}

