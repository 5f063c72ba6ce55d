/** One line of a chart: its name, colour and a value per sample. */
export interface Series {
  name: string;
  color: string;
  values: number[];
}

const W = 480;
const H = 140;
const PAD = { left: 34, right: 8, top: 8, bottom: 20 };

const time = (ms: number) => new Date(ms).toISOString().slice(11, 16);

/** A small SVG line chart over time: no library, scales to its container's width. */
export function LineChart({ title, at, series }: { title: string; at: number[]; series: Series[] }) {
  const max = Math.max(1, ...series.flatMap((s) => s.values));
  const t0 = at[0] ?? 0;
  const t1 = at[at.length - 1] ?? 1;
  const x = (t: number) => PAD.left + ((t - t0) / Math.max(1, t1 - t0)) * (W - PAD.left - PAD.right);
  const y = (v: number) => H - PAD.bottom - (v / max) * (H - PAD.top - PAD.bottom);
  return (
    <figure className="chart">
      <figcaption>
        {title}
        {series.map((s) => <span key={s.name} className="legend" style={{ color: s.color }}>● {s.name}</span>)}
      </figcaption>
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={title}>
        <line x1={PAD.left} x2={W - PAD.right} y1={y(0)} y2={y(0)} className="axis" />
        <line x1={PAD.left} x2={W - PAD.right} y1={y(max)} y2={y(max)} className="grid" />
        <text x={PAD.left - 4} y={y(max) + 4} textAnchor="end">{max}</text>
        <text x={PAD.left - 4} y={y(0)} textAnchor="end">0</text>
        {at.length > 0 && <text x={PAD.left} y={H - 4}>{time(t0)}</text>}
        {at.length > 1 && <text x={W - PAD.right} y={H - 4} textAnchor="end">{time(t1)}</text>}
        {series.map((s) => (
          <polyline key={s.name} fill="none" stroke={s.color} strokeWidth={2}
            points={s.values.map((v, i) => `${x(at[i] ?? t0).toFixed(1)},${y(v).toFixed(1)}`).join(' ')} />
        ))}
      </svg>
    </figure>
  );
}
