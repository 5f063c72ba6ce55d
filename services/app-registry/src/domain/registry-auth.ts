import { Refusal } from '@fluxplane/contracts';
import { componentRepoauth, registryCredentials, type RegistryCredentials } from '@fluxplane/flux-spec';

export interface RegistryAuthAsk {
  app: string;
  component: string;
  nodeId: string;
}

/**
 * Whether a node gets a component's registry credentials, and which: only a node that holds a
 * placement of the app now, only for a component of the app's current spec. Null means the image is
 * public. Refusals name why, never the credentials.
 */
export function registryAuthFor(ask: RegistryAuthAsk, spec: Record<string, unknown> | undefined, placed: ReadonlySet<string>): RegistryCredentials | null {
  if (!spec) throw new Refusal('AppNotFound', `app ${ask.app} is not registered`);
  if (!placed.has(ask.nodeId)) throw new Refusal('NotPlaced', `node ${ask.nodeId} holds no placement of app ${ask.app}`);
  const repoauth = componentRepoauth(spec, ask.component);
  if (repoauth === undefined) throw new Refusal('ComponentNotFound', `app ${ask.app} has no component ${ask.component}`);
  if (repoauth === '') return null;
  const credentials = registryCredentials(repoauth);
  if (!credentials) throw new Refusal('RepoauthInvalid', `component ${ask.component} of app ${ask.app} has a repoauth that is not "user:password"`);
  return credentials;
}
