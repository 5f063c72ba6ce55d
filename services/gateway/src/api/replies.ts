import { z } from 'zod';
import { MAX_HISTORY_SAMPLES, PriceEntry, RegistryHeight } from '@fluxplane/contracts';

/*
 * The `data` of the routes the gateway answers itself (not passed through from a backend's contract),
 * for the OpenAPI document.
 */

/** `/apps/calculateprice`: FluxOS's `{usd, flux, fluxDiscount}` (no USD oracle: usd is null) plus what it priced. */
export const CalculatedPrice = z.object({
  usd: z.null(),
  flux: z.number(),
  fluxDiscount: z.number(),
  perMonth: z.number(),
  kind: z.enum(['registration', 'update']),
  ...RegistryHeight.shape,
});

const PortList = z.array(z.union([z.string(), z.number().int()])).describe("ports, and ranges as 'lo-hi'");

/** `/apps/deploymentinformation`, FluxOS's shape plus the heights it is for and the price entry in force. */
export const DeploymentInformation = z.object({
  price: z.array(PriceEntry),
  appSpecsEnforcementHeights: z.record(z.string(), z.number().int()),
  address: z.string(),
  portMin: z.number().int(),
  portMax: z.number().int(),
  enterprisePorts: PortList,
  bannedPorts: PortList,
  maxImageSize: z.number().int(),
  minimumInstances: z.number().int(),
  maximumInstances: z.number().int(),
  blocksLasting: z.number().int(),
  minBlocksAllowance: z.number().int(),
  maxBlocksAllowance: z.number().int(),
  blocksAllowanceInterval: z.number().int(),
  ...RegistryHeight.shape,
  currentPrice: PriceEntry,
});

/** `/id/verifylogin`: FluxOS's answer, its spelling of `privilage` included. */
export const LoggedIn = z.object({
  message: z.string(),
  zelid: z.string(),
  loginPhrase: z.string(),
  createdAt: z.iso.datetime(),
  expireAt: z.iso.datetime(),
  signature: z.string(),
  privilage: z.literal('user'),
});

/** `/explorer/scannedheight`, FluxOS's own answer. */
export const ScannedHeight = z.object({ generalScannedHeight: z.number().int() });

/** `/fluxhistorystats`: fluxstats' `{<roundTs>: {cumulus, nimbus, stratus}}`, keyed by the sample's Unix ms. */
export const FluxHistoryStatsReply = z.record(z.string().regex(/^\d+$/), z.object({ cumulus: z.number().int(), nimbus: z.number().int(), stratus: z.number().int() }));

/** `/fluxversions`: fluxstats' `{ip, daemon, benchmark, flux}` per node (fluxd's version is not known here: null). */
export const FluxVersionReply = z.object({ ip: z.string(), daemon: z.null(), benchmark: z.string().nullable(), flux: z.string().nullable() });

/** `/fluxlocations`: fluxstats' flat geolocation documents, with the fields a node's benchmark reports. */
export const FluxLocationReply = z.object({ ip: z.string(), continentCode: z.string(), countryCode: z.string(), regionName: z.string().nullable() });

/** `GET /stats/history`'s query: Unix milliseconds as digits. */
const unixMs = z.string().regex(/^\d{1,15}$/, 'must be Unix milliseconds (digits)').transform(Number);
export const StatsHistoryParams = z.object({
  from: unixMs.optional(),
  to: unixMs.optional(),
  maxSamples: z.string().regex(/^\d{1,6}$/, 'must be a positive integer').transform(Number).pipe(z.number().int().min(1).max(MAX_HISTORY_SAMPLES)).optional(),
}).refine((q) => q.from === undefined || q.to === undefined || q.from <= q.to, { message: 'must not be after to', path: ['from'] });
