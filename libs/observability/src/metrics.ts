import {
  Counter, type CounterConfiguration, Gauge, type GaugeConfiguration, Histogram, type HistogramConfiguration, register,
} from 'prom-client';

/**
 * Get-or-create by name in the default registry. Metrics are created on first use and looked up
 * afterwards, because several instances of a service (or of a loop, a projection) live in one
 * process in tests, and a second `new Counter` with the same name throws. Instances share one
 * series per metric and are told apart by their labels.
 */
function registered<M>(kind: abstract new (...args: never[]) => M, name: string, create: () => M): M {
  const existing = register.getSingleMetric(name);
  if (existing === undefined) return create();
  // Two call sites declaring one name as different kinds is a bug; fail at the first use, loudly.
  if (!(existing instanceof kind)) throw new Error(`metric ${name} is already registered as another kind`);
  return existing as M;
}

export function counter<L extends string = string>(config: CounterConfiguration<L>): Counter<L> {
  return registered(Counter<L>, config.name, () => new Counter<L>(config));
}

export function gauge<L extends string = string>(config: GaugeConfiguration<L>): Gauge<L> {
  return registered(Gauge<L>, config.name, () => new Gauge<L>(config));
}

export function histogram<L extends string = string>(config: HistogramConfiguration<L>): Histogram<L> {
  return registered(Histogram<L>, config.name, () => new Histogram<L>(config));
}
