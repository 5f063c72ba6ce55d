import { decodeOpReturnMessage } from './op-return';

/*
 * Soft fork messages (FluxOS explorerService.processStandard → chainparams `chainMessages`, read by
 * chainUtilities.getChainParamsPriceUpdates). A transparent transaction is one when some input spends
 * from a foundation multisig (vin `address`, which fluxd prints with -spentindex), some output's first
 * address is a foundation multisig, and the OP_RETURN message is non-empty. The message is decoded
 * like an app payment's: FluxOS overwrites it with every output that has a script, so the LAST
 * output's decoding wins.
 *
 * Only price messages (version `p`) change anything FluxOS computes today, so only those become facts.
 */

export interface PriceValues {
  readonly cpu: number;
  readonly ram: number;
  readonly hdd: number;
  readonly minPrice: number;
  readonly port: number;
  readonly scope: number;
  readonly staticip: number;
}

/** FluxOS's defaults for a price message without port, scope or static-IP parts. */
export const PRICE_MESSAGE_DEFAULTS = { port: 2, scope: 6, staticip: 3 } as const;

/** The message's version: the text before the first `_` (`p` for prices). */
export function softForkVersion(message: string): string {
  return message.split('_', 1)[0]!;
}

/**
 * The prices of a `p_<cpu>_<ram>_<hdd>_<minPrice>[_<port>_<scope>_<staticip>]` message, read the way
 * FluxOS does: the 5th part must be non-empty; each part is JS `+part`; port, scope and staticip fall
 * back to 2, 6, 3 when that gives 0 or NaN (`+part || default`). Deviation: FluxOS would also accept
 * parts that are not finite non-negative numbers and then price every app NaN or negative; such a
 * message is ignored here (undefined), so one malformed soft fork cannot break all prices.
 */
export function parsePriceMessage(message: string): PriceValues | undefined {
  const parts = message.split('_');
  if (parts[0] !== 'p' || !parts[4]) return undefined;
  const orDefault = (part: string | undefined, d: number) => Number(part) || d;
  const values: PriceValues = {
    cpu: Number(parts[1]),
    ram: Number(parts[2]),
    hdd: Number(parts[3]),
    minPrice: Number(parts[4]),
    port: orDefault(parts[5], PRICE_MESSAGE_DEFAULTS.port),
    scope: orDefault(parts[6], PRICE_MESSAGE_DEFAULTS.scope),
    staticip: orDefault(parts[7], PRICE_MESSAGE_DEFAULTS.staticip),
  };
  return Object.values(values).every((v) => Number.isFinite(v) && v >= 0) ? values : undefined;
}

/** Structural subset of a transparent transaction (see facts.ts). */
interface SoftForkTx {
  readonly version: number;
  readonly vin: ReadonlyArray<{ readonly address?: string | undefined }>;
  readonly vout: ReadonlyArray<{ readonly scriptPubKey: { readonly asm: string; readonly addresses?: ReadonlyArray<string> | undefined } }>;
}

/**
 * The soft fork message of `tx`, or undefined when it is not one. Inputs are checked first: almost
 * no transaction spends from a foundation multisig, so the common case costs one pass over the vin.
 */
export function softForkMessage(tx: SoftForkTx, foundation: ReadonlySet<string>): string | undefined {
  if (tx.version < 1 || tx.version > 4 || foundation.size === 0) return undefined;
  if (!tx.vin.some((i) => i.address !== undefined && foundation.has(i.address))) return undefined;
  let toFoundation = false;
  let message = '';
  for (const out of tx.vout) {
    const first = out.scriptPubKey.addresses?.[0];
    if (first !== undefined && foundation.has(first)) toFoundation = true;
    if (out.scriptPubKey.asm) message = decodeOpReturnMessage(out.scriptPubKey.asm);
  }
  return toFoundation && message.length > 0 ? message : undefined;
}
