import { Inject, Injectable } from '@nestjs/common';
import type { AppPlacementQuery, PlacementDryRunQuery, PlacementExplanation } from '@fluxplane/contracts';
import { runtimeView } from '@fluxplane/flux-spec';
import { ClusterState, explainPlacement, key, type PlacementExplanation as Explained } from '../domain';
import { HARDWARE } from '../reconcile/placement-reconciler';
import type { Hardware } from '../domain';

/**
 * "Why is my app not placed": answered from the scheduler's in-memory state, so the counts are the
 * ones its next decision would see. A dry run judges a spec that is not registered as if it were.
 */
@Injectable()
export class PlacementQuery {
  constructor(private readonly state: ClusterState, @Inject(HARDWARE) private readonly hardware: Hardware) {}

  explain(req: AppPlacementQuery): PlacementExplanation | null {
    const k = key(req.app);
    const input = this.state.input(k, this.hardware);
    if (!input.app) return null;
    return { ...wire(explainPlacement({ ...input, reasons: this.state.reasonsOf(k) })), registered: true };
  }

  dryRun(req: PlacementDryRunQuery): PlacementExplanation {
    const runtime = runtimeView(req.spec);
    const name = runtime.name || 'unnamed';
    const k = key(name);
    // Judged as a new app: no placements; other apps' resources as they are (an app of the same name counts as another).
    const app = { name, hash: 'dry-run', runtime, expired: false };
    const base = this.state.input(k, this.hardware);
    return { ...wire(explainPlacement({ ...base, app, placements: [], setbacks: [], usage: { get: (id) => this.state.usage(id) } })), registered: false };
  }
}

function wire(e: Explained): Omit<PlacementExplanation, 'registered'> {
  return e;
}
