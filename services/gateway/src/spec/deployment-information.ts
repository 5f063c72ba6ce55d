/**
 * `GET /apps/deploymentinformation`: what a client needs to build and pay for a spec, in FluxOS's
 * shape (ZelBack `deploymentInfoService.deploymentInformation`), with every value derived from
 * `@fluxplane/flux-spec` at the rules height rather than typed again here.
 */
import {
  heights, hostPortRange, limits, maxExpire, minExpire, minInstances, defaultExpire, priceEntryAt, type PriceScheduleEntry,
} from '@fluxplane/flux-spec';
import { paymentAddressAt } from '@fluxplane/flux-spec';

/** FluxOS CFG `fluxapps.maxImageSize` (5 GB); flux-spec does not model images, so it lives here. */
export const MAX_IMAGE_SIZE_BYTES = 5_000_000_000;

/** FluxOS lists port ranges as `'lo-hi'` strings and single ports as numbers. */
function fluxPortList(ranges: ReadonlyArray<readonly [number, number]>): Array<string | number> {
  return ranges.map(([lo, hi]) => (lo === hi ? lo : `${lo}-${hi}`));
}

export interface ChainHeights { height: number; rulesHeight: number }

/** `schedule`: the registry's merged schedule (configured entries plus the chain's price soft forks, rules heights). */
export function deploymentInformation({ height, rulesHeight }: ChainHeights, schedule: readonly PriceScheduleEntry[]) {
  const ports = hostPortRange(rulesHeight);
  return {
    // FluxOS answers the price entries its chain has seen so far: those below the rules height.
    price: schedule.filter((p) => p.height < rulesHeight),
    appSpecsEnforcementHeights: heights.SPEC_VERSION_ACTIVATION,
    address: paymentAddressAt(rulesHeight),
    portMin: ports.min,
    portMax: ports.max,
    enterprisePorts: fluxPortList(limits.ENTERPRISE_PORT_RANGES),
    bannedPorts: fluxPortList(limits.BANNED_PORT_RANGES),
    maxImageSize: MAX_IMAGE_SIZE_BYTES,
    minimumInstances: minInstances(limits.LATEST_SPEC_VERSION, rulesHeight),
    maximumInstances: limits.INSTANCES_MAX,
    blocksLasting: defaultExpire(rulesHeight),
    minBlocksAllowance: minExpire(rulesHeight),
    maxBlocksAllowance: maxExpire(rulesHeight),
    blocksAllowanceInterval: limits.EXPIRE_MULTIPLE,
    // Not in FluxOS's answer (extra keys are ignored by its clients): the heights this answer is for
    // and the price entry in force, so a client need not pick it out of `price` itself.
    height,
    rulesHeight,
    currentPrice: priceEntryAt(rulesHeight, schedule),
  };
}
