import { PlacementExplanation } from '@fluxplane/contracts';

/** The gateway's answer, checked: a field missing or of the wrong type is named. */
export function parsePlacement(data: unknown): PlacementExplanation {
  const r = PlacementExplanation.safeParse(data);
  if (!r.success) throw new Error(`unexpected placement answer: ${r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
  return r.data;
}

const fmt = (n: number) => n.toLocaleString('en-US');

/** Why an app is (not) placed, as lines for a terminal. */
export function formatPlacement(e: PlacementExplanation): string {
  const lines: string[] = [];
  lines.push(`${e.app}${e.registered ? '' : ' (dry run, not registered)'}: ${e.placed} of ${e.target} instances placed`);
  lines.push(`${fmt(e.eligible)} of ${fmt(e.totalNodes)} nodes could take another instance${e.ruledOut.length ? '; ruled out:' : ''}`);
  const width = Math.max(0, ...e.ruledOut.map((r) => fmt(r.nodes).length));
  for (const r of e.ruledOut) lines.push(`  ${fmt(r.nodes).padStart(width)}  ${r.label}`);
  if (e.instances.length) {
    lines.push('instances:');
    for (const i of e.instances) {
      lines.push(`  ${i.ip || i.nodeId}  ${i.tier}${i.location ? `  ${i.location}` : ''}  ${i.status}${i.reason ? `  (${i.reason})` : ''}`);
    }
  }
  if (e.wouldPlace.length) {
    lines.push('would place now:');
    for (const p of e.wouldPlace) lines.push(`  ${p.ip || p.nodeId}  ${p.tier}  (${p.reason})`);
  }
  if (e.wouldRelease.length) {
    lines.push('would release now:');
    for (const p of e.wouldRelease) lines.push(`  ${p.nodeId}  (${p.reason})`);
  }
  for (const p of e.problems) lines.push(`problem: ${p}`);
  return lines.join('\n');
}
