import { describe, expect, it } from 'vitest';
import { Counter, Gauge, Histogram, register } from 'prom-client';
import { counter, gauge, histogram } from './metrics';

describe('get-or-create metrics', () => {
  it('creates a metric on first use and returns the same one afterwards', () => {
    const first = counter({ name: 'observability_test_total', help: 'test', labelNames: ['kind'] });
    const again = counter({ name: 'observability_test_total', help: 'test', labelNames: ['kind'] });
    expect(first).toBeInstanceOf(Counter);
    expect(again).toBe(first);
    expect(register.getSingleMetric('observability_test_total')).toBe(first);
  });

  it('creates gauges and histograms with their own options', async () => {
    expect(gauge({ name: 'observability_test_gauge', help: 'test' })).toBeInstanceOf(Gauge);
    const h = histogram({ name: 'observability_test_seconds', help: 'test', buckets: [1, 2] });
    expect(h).toBeInstanceOf(Histogram);
    h.observe(1.5);
    const buckets = (await h.get()).values.filter((v) => v.metricName === 'observability_test_seconds_bucket');
    expect(buckets.map((v) => v.labels.le)).toEqual([1, 2, '+Inf']);
  });

  it('refuses a name already registered as another kind', () => {
    gauge({ name: 'observability_test_kind', help: 'test' });
    expect(() => counter({ name: 'observability_test_kind', help: 'test' })).toThrow(/another kind/);
  });
});
