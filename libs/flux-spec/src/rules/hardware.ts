/**
 * cpu / ram / hdd (fluxos.md §1.3 "Numbers", "Hardware maxima").
 *
 * v1–v3 apps are checked per value: cpu in steps of 0.1 core (≥0.1), ram in steps of
 * 100 MB (≥100), hdd in whole GB (≥1), each within the Stratus maximum and, if tiered,
 * each tier within its own maximum. From v4 FluxOS checks only the compose *totals*
 * against the maxima, so per-component minimums and steps become warnings here (the
 * old installer enforced them; a node may still refuse such a component).
 */
import { reject, SpecWarning, warning } from '../errors';
import { TIER_KEY_SUFFIX, tierMaximum, type Tier } from '../protocol';
import type { AppComponent, FluxAppSpec } from '../types';

const TIER_SUFFIX = TIER_KEY_SUFFIX;
const TIER_LABEL: Record<Tier, string> = { CUMULUS: 'Cumulus', NIMBUS: 'Nimbus', STRATUS: 'Stratus' };

// The arithmetic mirrors FluxOS exactly, float quirks included (0.3 * 10 % 1 !== 0).
function cpuOk(cpu: number, maxTenths: number): boolean {
  return (cpu * 10) % 1 === 0 && cpu * 10 <= maxTenths && cpu >= 0.1;
}
function ramOk(ram: number, max: number): boolean {
  return ram % 100 === 0 && ram <= max && ram >= 100;
}
function hddOk(hdd: number, max: number): boolean {
  return hdd % 1 === 0 && hdd <= max && hdd >= 1;
}

function checkValues(cpu: number, ram: number, hdd: number, tier: Tier, path: string, tierKeys: boolean): void {
  const max = tierMaximum(tier);
  const sfx = tierKeys ? TIER_SUFFIX[tier] : '';
  const label = tierKeys ? ` for ${TIER_LABEL[tier]}` : '';
  if (!cpuOk(cpu, max.cpu)) reject('cpu.invalid', `${path}cpu${sfx}`, `${cpu}${label} must be 0.1-${max.cpu / 10} cores in steps of 0.1`);
  if (!ramOk(ram, max.ram)) reject('ram.invalid', `${path}ram${sfx}`, `${ram}${label} must be 100-${max.ram} MB in steps of 100`);
  if (!hddOk(hdd, max.hdd)) reject('hdd.invalid', `${path}hdd${sfx}`, `${hdd}${label} must be 1-${max.hdd} GB in whole GB`);
}

/** v1–v3 (`checkHWParameters`). */
export function checkLegacyHardware(spec: FluxAppSpec): void {
  checkValues(spec.cpu as number, spec.ram as number, spec.hdd as number, 'STRATUS', '', false);
  if (spec.tiered) {
    checkValues(spec.cpubasic as number, spec.rambasic as number, spec.hddbasic as number, 'CUMULUS', '', true);
    checkValues(spec.cpusuper as number, spec.ramsuper as number, spec.hddsuper as number, 'NIMBUS', '', true);
    checkValues(spec.cpubamf as number, spec.rambamf as number, spec.hddbamf as number, 'STRATUS', '', true);
  }
}

/** v4+ (`checkComposeHWParameters`): totals only, per tier if any component is tiered. */
export function checkComposeHardware(compose: AppComponent[]): void {
  const tiered = compose.some((c) => c.tiered === true);
  const tiers: Tier[] = tiered ? ['CUMULUS', 'NIMBUS', 'STRATUS'] : ['STRATUS'];
  for (const tier of tiers) {
    let cpu = 0;
    let ram = 0;
    let hdd = 0;
    for (const c of compose) {
      if (tiered) {
        // A missing or zero tier value falls back to the flat value, as in FluxOS.
        const s = TIER_SUFFIX[tier];
        cpu += ((c[`cpu${s}`] || c.cpu) as number) * 10;
        ram += (c[`ram${s}`] || c.ram) as number;
        hdd += (c[`hdd${s}`] || c.hdd) as number;
      } else {
        cpu += c.cpu * 10;
        ram += c.ram;
        hdd += c.hdd;
      }
    }
    const max = tierMaximum(tier);
    const label = tiered ? ` on ${TIER_LABEL[tier]}` : '';
    if (cpu > max.cpu) reject('hardware.cpuTotal', 'compose (hardware)', `total cpu${label} is ${cpu / 10} cores; at most ${max.cpu / 10} are allowed`);
    if (ram > max.ram) reject('hardware.ramTotal', 'compose (hardware)', `total ram${label} is ${ram} MB; at most ${max.ram} are allowed`);
    if (hdd > max.hdd) reject('hardware.hddTotal', 'compose (hardware)', `total hdd${label} is ${hdd} GB; at most ${max.hdd} are allowed`);
  }
}

/** Per-component values FluxOS no longer checks for v4+ but that a node cannot sensibly run. */
export function componentHardwareWarnings(compose: AppComponent[]): SpecWarning[] {
  const out: SpecWarning[] = [];
  compose.forEach((c, i) => {
    const p = `compose[${i}].`;
    if (!((c.cpu * 10) % 1 === 0 && c.cpu >= 0.1)) out.push(warning('hardware.componentCpu', `${p}cpu`, `${c.cpu} is below 0.1 core or not a multiple of 0.1; a node may refuse to install it`));
    if (!(c.ram % 100 === 0 && c.ram >= 100)) out.push(warning('hardware.componentRam', `${p}ram`, `${c.ram} is below 100 MB or not a multiple of 100; a node may refuse to install it`));
    if (!(c.hdd % 1 === 0 && c.hdd >= 1)) out.push(warning('hardware.componentHdd', `${p}hdd`, `${c.hdd} is below 1 GB or not whole; a node may refuse to install it`));
  });
  return out;
}
