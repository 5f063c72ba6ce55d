import { Counter, Gauge, register } from 'prom-client';

/** Get-or-create, so two services in one process (tests) share the registry instead of clashing. */
export const benchMetrics = {
  get nodes() {
    return (register.getSingleMetric('fluxplane_bench_nodes') as Gauge<'state'>)
      ?? new Gauge({ name: 'fluxplane_bench_nodes', help: 'Registered nodes by benchmark state (passed, failed, unbenchmarked, unreachable: did not answer its last ask)', labelNames: ['state'] });
  },
  get asks() {
    return (register.getSingleMetric('fluxplane_bench_node_asks_total') as Counter<'outcome'>)
      ?? new Counter({ name: 'fluxplane_bench_node_asks_total', help: "Asks for a node's FluxBench figures, by outcome (answered, unreachable, no_measurement)", labelNames: ['outcome'] });
  },
  get verdicts() {
    return (register.getSingleMetric('fluxplane_bench_verdicts_total') as Counter<'tier' | 'passed'>)
      ?? new Counter({ name: 'fluxplane_bench_verdicts_total', help: 'NodeBenchmarked appended, by registered tier and outcome', labelNames: ['tier', 'passed'] });
  },
};
