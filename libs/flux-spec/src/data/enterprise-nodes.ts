/**
 * FluxOS's enterprise policy as data: which enterprise (ArcaneOS) node, by its fluxnode public key,
 * hosts the apps of which owners.
 *
 * Source: `helpers/enterprisenodes.json` in RunOnFlux/flux (the file FluxOS v8.17.0 reads, fluxos.md
 * §1.3 "v8"; snapshot read at commit 30d9253e29d8). FluxOS derives its "enterprise app owners" as the
 * union of the owners of every node (`enterpriseConfig.getEnterpriseAppOwners`), and uses that union
 * for node-independent checks, among them who may set `datacenter: true`.
 *
 * FluxOS re-reads this file from GitHub every 6 hours, so the live list can change without a FluxOS
 * release; update this snapshot when it does (or pass a newer list to `verifyAppSpec`). Earlier FluxOS
 * releases kept the owners in CFG `enterpriseAppOwners` or `helpers/enterpriseappowners.json` instead.
 */
export const FLUXOS_ENTERPRISE_NODES: Readonly<Record<string, readonly string[]>> = Object.freeze({
  '027595b0b8257d7b901fc024d7c5b66a7af68b64240dea0359dec3ffb1f2a33a8d': Object.freeze(['15ULw4JU6wqGESRYU3z3MjFETqLN3sA9Gn']),
});

/** Every owner any enterprise node hosts, once each, in first-seen order. */
export function enterpriseOwnersOf(nodes: Readonly<Record<string, readonly string[]>>): string[] {
  return [...new Set(Object.values(nodes).flat())];
}

/** The owners FluxOS v8.17.0 treats as enterprise app owners. */
export const FLUXOS_ENTERPRISE_OWNERS: readonly string[] = Object.freeze(enterpriseOwnersOf(FLUXOS_ENTERPRISE_NODES));
