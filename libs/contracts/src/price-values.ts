import { z } from 'zod';

/** One price, FLUX per month (zod's numbers are finite: no Infinity or NaN). */
const PriceValue = z.number().finite().nonnegative();

/**
 * The prices of one FluxOS price schedule entry: what a price soft fork (`p_…`) sets and what every
 * entry of a schedule holds. A field group, spread into the schemas that carry it.
 */
export const PriceValues = {
  cpu: PriceValue,
  ram: PriceValue,
  hdd: PriceValue,
  minPrice: PriceValue,
  port: PriceValue,
  scope: PriceValue,
  staticip: PriceValue,
};
