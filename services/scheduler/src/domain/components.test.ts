import { describe, expect, it } from 'vitest';
import { isSealed, ComponentRuns } from '@fluxplane/contracts';
import { app, v4Spec } from '../../test/fixtures';
import { componentRunsOn } from './components';

describe('componentRunsOn', () => {
  it('gives each tier its components, sealed for reuse in every InstanceScheduled, computed once', () => {
    const a = app({ spec: v4Spec({ tiered: { cpubasic: 0.2, rambasic: 300, hddbasic: 2, cpusuper: 1, ramsuper: 1000, hddsuper: 10, cpubamf: 2, rambamf: 2000, hddbamf: 20 } }) });
    const cumulus = componentRunsOn(a.runtime, 'CUMULUS');
    const stratus = componentRunsOn(a.runtime, 'STRATUS');
    if (!cumulus.ok || !stratus.ok) throw new Error('runnable');
    expect(cumulus.components[0]).toMatchObject({ name: 'web', cpu: 0.2, ramMb: 300, hddGb: 2 });
    expect(stratus.components[0]).toMatchObject({ cpu: 2, ramMb: 2000, hddGb: 20 });
    expect(isSealed(ComponentRuns, cumulus.components)).toBe(true);
    expect(componentRunsOn(a.runtime, 'CUMULUS')).toBe(cumulus);
  });

  it('names the component and the field that cannot run on a tier', () => {
    const a = app({ spec: v4Spec({ ram: 0 }) });
    const r = componentRunsOn(a.runtime, 'NIMBUS');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(/component 0 \(web\) is not runnable on NIMBUS: ramMb: /);
  });
});
