import { appKey } from './naming';

/**
 * Which volumes found on the node may be deleted. App data is the one thing a node cannot get back,
 * so the rule is narrow: a volume goes only when its app was unscheduled from this node (the read
 * model says so), is not scheduled here again, and has no container left (its containers are
 * removed first, so nothing still writes to it). A volume of an app the read model has never seen
 * (a lost database, another event stream) is kept, as its containers are.
 */
export function volumesToRemove(
  folderIds: readonly string[],
  state: { desiredApps: readonly string[]; unscheduledApps: readonly string[]; appsWithContainers: readonly string[] },
): string[] {
  const desired = new Set(state.desiredApps.map(appKey));
  const unscheduled = new Set(state.unscheduledApps.map(appKey));
  const busy = new Set(state.appsWithContainers.map(appKey));
  return folderIds.filter((id) => {
    const owner = folderOwner(id);
    return owner !== undefined && unscheduled.has(owner.app) && !desired.has(owner.app) && !busy.has(owner.app);
  });
}

/**
 * `flux<component>_<app>` → its component and app key. Component and app names are letters, digits and
 * hyphens, so the underscore separates them; anything else is not a folder of ours.
 */
export function folderOwner(folderId: string): { component: string; app: string } | undefined {
  const m = /^flux([a-z0-9-]+)_([a-z0-9-]+)$/.exec(folderId);
  return m ? { component: m[1]!, app: m[2]! } : undefined;
}
