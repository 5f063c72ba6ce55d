import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { exampleSpec } from './examples';
import { formatSpec, formatSpecDetailed } from './format';
import { verifyAppSpec } from './validate';
import { EXAMPLE_HEIGHT } from './examples';

describe('formatSpec', () => {
  it('puts keys in canonical order and drops unknown keys', () => {
    const raw = { ...exampleSpec(8) };
    const shuffled = Object.fromEntries(Object.entries(raw).reverse());
    (shuffled as Record<string, unknown>).extra = true;
    const out = formatSpec(shuffled);
    expect(Object.keys(out)).toEqual(['version', 'name', 'description', 'owner', 'compose', 'instances', 'contacts', 'geolocation', 'expire', 'nodes', 'staticip', 'enterprise']);
    expect(Object.keys(out.compose![0]!)).toEqual(['name', 'description', 'repotag', 'ports', 'domains', 'environmentParameters', 'commands', 'containerPorts', 'containerData', 'cpu', 'ram', 'hdd', 'repoauth']);
    const detailed = formatSpecDetailed(shuffled);
    expect(detailed.warnings.map((w) => w.rule)).toEqual(expect.arrayContaining(['format.droppedKey', 'format.reordered']));
  });

  it('v1-3 canonical order puts owner before repotag, v7 repoauth before secrets', () => {
    expect(Object.keys(formatSpec(exampleSpec(2))).slice(0, 5)).toEqual(['version', 'name', 'description', 'owner', 'repotag']);
    expect(Object.keys(formatSpec(exampleSpec(7)).compose![0]!).slice(-4)).toEqual(['hdd', 'tiered', 'repoauth', 'secrets']);
  });

  it('coerces numeric and boolean strings; v2 ports become strings', () => {
    const v2 = { ...exampleSpec(2), ports: [31002], cpu: '0.5', tiered: 'false' };
    const out = formatSpec(v2);
    expect(out.ports).toEqual(['31002']);
    expect(out.cpu).toBe(0.5);
    expect(out.tiered).toBe(false);
  });

  it('keeps a non-boolean datacenter out and falsy enterprise as is', () => {
    const out = formatSpec({ ...exampleSpec(8), datacenter: 'x', enterprise: false });
    expect('datacenter' in out).toBe(false);
    expect(out.enterprise).toBe(false);
    expect(formatSpec({ ...exampleSpec(8), datacenter: 'true' }).datacenter).toBe(true);
  });

  it('throws a rule error when FluxOS cannot format', () => {
    expect(() => formatSpec({ version: 8 })).toThrow(/name/);
    expect(() => formatSpec({ ...exampleSpec(8), compose: 'nope' })).toThrow();
  });

  // Formatting a value FluxOS then rejects (e.g. cpu " " → 0) need not be stable, so the
  // property is stated for specs that pass validation.
  it('is idempotent for accepted specs', () => {
    fc.assert(fc.property(
      fc.integer({ min: 1, max: 8 }),
      fc.dictionary(fc.constantFrom('instances', 'expire', 'staticip', 'foo', 'cpu', 'tiered'), fc.oneof(fc.string(), fc.integer(), fc.boolean())),
      (version, patch) => {
        const v = verifyAppSpec({ ...exampleSpec(version), ...patch }, { height: EXAMPLE_HEIGHT });
        if (!v.ok) return;
        const f1 = formatSpecDetailed(v.spec);
        expect(f1.ok).toBe(true);
        if (!f1.ok) return;
        expect(JSON.stringify(f1.spec)).toBe(JSON.stringify(v.spec));
        const f2 = formatSpecDetailed(f1.spec);
        expect(f2.ok).toBe(true);
        if (f2.ok) expect(JSON.stringify(f2.spec)).toBe(JSON.stringify(f1.spec));
      },
    ), { numRuns: 500 });
  });
});
