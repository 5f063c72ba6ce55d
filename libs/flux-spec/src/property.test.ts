import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { exampleSpec } from './examples';
import { verifyAppSpec } from './validate';
import { verifyMessage } from './message';

const TOP_KEYS = [
  'version', 'name', 'description', 'owner', 'repotag', 'port', 'containerPort', 'ports', 'containerPorts', 'domains',
  'enviromentParameters', 'commands', 'containerData', 'cpu', 'ram', 'hdd', 'tiered', 'cpubasic', 'rambamf', 'compose',
  'instances', 'contacts', 'geolocation', 'expire', 'nodes', 'staticip', 'datacenter', 'enterprise',
];
const COMPONENT_KEYS = [
  'name', 'description', 'repotag', 'ports', 'domains', 'environmentParameters', 'commands', 'containerPorts', 'containerData',
  'cpu', 'ram', 'hdd', 'tiered', 'cpubasic', 'hddsuper', 'repoauth', 'secrets',
];

const oddValue = fc.oneof(
  fc.jsonValue(),
  fc.constantFrom(null, undefined, NaN, Infinity, -Infinity, '', 0, -1, 0.1, 1e9, 'true', '3', '0.5', ' ', [], {}, '[1]', '["a"]', [null], [{}], 'g:/x|m:a:/b'),
  fc.string(),
  fc.array(fc.oneof(fc.integer(), fc.string(), fc.constant(null)), { maxLength: 12 }),
);

const mutation = fc.record({
  where: fc.constantFrom('top', 'component'),
  key: fc.oneof(fc.constantFrom(...TOP_KEYS, ...COMPONENT_KEYS), fc.string({ maxLength: 8 })),
  op: fc.constantFrom('delete', 'set', 'stringify', 'numberize', 'wrap'),
  value: oddValue,
  index: fc.nat(3),
});

type M = { where: string; key: string; op: string; value: unknown; index: number };

function apply(spec: Record<string, unknown>, m: M): void {
  let target: Record<string, unknown> = spec;
  if (m.where === 'component' && Array.isArray(spec.compose) && spec.compose.length) {
    const c = spec.compose[m.index % spec.compose.length];
    if (c && typeof c === 'object') target = c as Record<string, unknown>;
  }
  const cur = target[m.key];
  switch (m.op) {
    case 'delete': delete target[m.key]; break;
    case 'set': target[m.key] = m.value; break;
    case 'stringify': target[m.key] = JSON.stringify(cur); break;
    case 'numberize': target[m.key] = Number(cur); break;
    default: target[m.key] = [cur];
  }
}

const HEIGHTS = [0, 983_000, 1_004_000, 1_300_000, 1_419_999, 1_420_000, 1_932_380, 2_020_000, 2_176_519, 2_500_000];

describe('mutated specs (property)', () => {
  it('10,000 mutated v1..v8 specs never crash the validator; every rejection names its rule', () => {
    fc.assert(fc.property(
      fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 3 }), fc.array(mutation, { minLength: 1, maxLength: 5 }),
      fc.constantFrom(...HEIGHTS), fc.constantFrom<'register' | 'update'>('register', 'update'),
      (version, components, mutations, height, mode) => {
        const spec = exampleSpec(version, components);
        for (const m of mutations) apply(spec, m);
        let result: ReturnType<typeof verifyAppSpec> | undefined;
        expect(() => { result = verifyAppSpec(spec, { height, mode, previous: mode === 'update' ? exampleSpec(version) : undefined }); }).not.toThrow();
        const r = result!;
        if (!r.ok) {
          expect(r.error.rule).toMatch(/^[a-zA-Z]+\.[a-zA-Z]+$/);
          expect(r.error.message.length).toBeGreaterThan(0);
          const field = r.error.rule.split('.')[0]!;
          expect(r.error.message, `${r.error.rule}: ${r.error.message}`).toContain(field);
        } else {
          expect(r.spec.version).toBeGreaterThanOrEqual(1);
        }
        for (const w of r.warnings) expect(w.rule.length).toBeGreaterThan(0);
      },
    ), { numRuns: 10_000 });
  });

  it('message verification never throws on garbage', () => {
    fc.assert(fc.property(fc.anything(), (m) => {
      expect(() => verifyMessage(m, { height: 2_000_000 })).not.toThrow();
      const r = verifyMessage(m, { height: 2_000_000 });
      expect(r.ok).toBe(false);
    }), { numRuns: 1000 });
  });
});
