/**
 * What an update may change (FluxOS `validateApplicationUpdateCompatibility`,
 * fluxos.md §1.3 "Update compatibility").
 *
 * - a version change must target the latest version (8);
 * - v4+ keep the number of components and their names (images may change), unless both the
 *   stored spec and the update are v8: only then may anything change (the node does a hard
 *   redeploy). A v4–v7 app updated to v8 still keeps its components; once stored as v8 it is
 *   free (FluxOS v8.17.0 `validateApplicationUpdateCompatibility`);
 * - no downgrade from v4+ to v1–v3;
 * - v1–v3 may not change the image (repotag).
 */
import { reject } from '../errors';
import { LATEST_SPEC_VERSION } from '../limits';
import type { FluxAppSpec } from '../types';

const bothV8 = (previous: FluxAppSpec, next: FluxAppSpec): boolean => previous.version >= LATEST_SPEC_VERSION && next.version >= LATEST_SPEC_VERSION;

export function checkUpdateCompatibility(next: FluxAppSpec, previous: FluxAppSpec): void {
  if (next.name !== previous.name) {
    reject('update.nameMismatch', 'name', `"${next.name}" is not the app being updated ("${previous.name}")`);
  }
  if (previous.version !== next.version && next.version !== LATEST_SPEC_VERSION) {
    reject('update.versionChange', 'version', `an update may change the spec version only to ${LATEST_SPEC_VERSION} (was ${previous.version}, got ${next.version})`);
  }
  if (next.version >= 4) {
    if (previous.version >= 4 && !bothV8(previous, next)) {
      const prev = previous.compose ?? [];
      const cur = next.compose ?? [];
      if (prev.length !== cur.length) {
        reject('update.componentCount', 'compose', `must keep ${prev.length} component(s); the update has ${cur.length}`);
      }
      for (const c of prev) {
        if (!cur.some((n) => n.name === c.name)) reject('update.componentNames', 'compose', `component "${c.name}" must keep its name in an update`);
      }
    }
  } else if (previous.version >= 4) {
    reject('update.downgrade', 'version', `an update cannot go back from v${previous.version} to v${next.version}`);
  } else if (previous.repotag !== next.repotag) {
    reject('update.repotag', 'repotag', `a v1-v3 app cannot change its image in an update (was "${previous.repotag}")`);
  }
}
