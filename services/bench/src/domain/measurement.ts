import type { FluxBenchBenchmarks } from '@fluxplane/contracts';
import type { Measurement } from './thresholds';

/**
 * The figures the tier is judged on, from a node's FluxBench answer (RAM in GB there, MB here), or
 * null when the node has no measurement to give (`time` 0: it never measured, or its measurement
 * failed, as `error` says).
 */
export function fromFluxBench(b: FluxBenchBenchmarks): Measurement | null {
  if (b.time === 0 || b.cores === 0) return null;
  return {
    cores: b.cores,
    ramMb: Math.round(b.ram * 1024),
    storageGb: b.totalstorage,
    eps: b.eps,
    diskWriteMbps: b.ddwrite,
  };
}
