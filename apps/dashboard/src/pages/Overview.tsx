import { useState } from 'react';
import { api, type LiveEvent, type StatsHistory } from '../api';
import { LineChart } from '../components/LineChart';
import { Card, ErrorLine, EventList, isBlockEvent, pushEvent } from '../components/common';
import { useLiveEvents, useRefresh } from '../live';

const HOUR_MS = 60 * 60_000;

/** The network at a glance: counts now, charts over the last hour, the apps, events as they come. */
export function Overview() {
  const stats = useRefresh(() => api.stats(), []);
  const apps = useRefresh(async () => {
    const [specs, locations] = await Promise.all([api.specs(), api.locations()]);
    return specs.map((s) => ({ name: s.name, owner: s.owner, instances: (s as { instances?: number }).instances, running: locations.filter((l) => l.name === s.name).length }));
  }, []);
  const history = useRefresh(() => api.history(Date.now() - HOUR_MS, Date.now()), [], 2000);
  const [events, setEvents] = useState<LiveEvent[]>([]);
  const { connected } = useLiveEvents({
    onEvent: (e) => {
      if (isBlockEvent(e)) return;
      setEvents((list) => pushEvent(list, e, 15));
      stats.trigger();
      apps.trigger();
      history.trigger();
    },
    onGap: () => { stats.trigger(); apps.trigger(); history.trigger(); },
  });
  const s = stats.value;
  return (
    <section>
      <h1>Network <LiveDot connected={connected} /></h1>
      <ErrorLine error={stats.error ?? apps.error} />
      <div className="cards">
        <Card label="nodes" value={s ? s.nodes.total : '–'} testId="nodes-total" />
        <Card label="up" value={s ? s.nodes.up : '–'} testId="nodes-up" />
        <Card label="Cumulus · Nimbus · Stratus" value={s ? `${s.nodes.byTier.CUMULUS} · ${s.nodes.byTier.NIMBUS} · ${s.nodes.byTier.STRATUS}` : '–'} />
        <Card label="apps" value={s ? s.apps.total : '–'} testId="apps-total" />
        <Card label="running instances" value={s ? s.instances.running : '–'} testId="instances-running" />
      </div>
      <h2>Last hour</h2>
      <History history={history.value} />
      <h2>Apps</h2>
      <table data-testid="apps">
        <thead><tr><th>app</th><th>owner</th><th>running</th></tr></thead>
        <tbody>
          {(apps.value ?? []).map((a) => (
            <tr key={a.name} data-testid="app-row" data-app={a.name}>
              <td><a href={`#/apps/${encodeURIComponent(a.name)}`}>{a.name}</a></td>
              <td className="mono">{a.owner}</td>
              <td>{a.running}{a.instances ? ` of ${a.instances}` : ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h2>Events</h2>
      <EventList events={events} testId="live-events" />
    </section>
  );
}

function History({ history }: { history: StatsHistory | null | undefined }) {
  if (history === undefined) return <p className="muted">loading…</p>;
  if (history === null || history.samples.length === 0) return <p className="muted" data-testid="no-history">no history yet</p>;
  const at = history.samples.map((x) => x.at);
  const col = (f: (x: StatsHistory['samples'][number]) => number) => history.samples.map(f);
  return (
    <div className="charts" data-testid="history">
      <LineChart title="nodes" at={at} series={[
        { name: 'up', color: '#2e9d5b', values: col((x) => x.nodes.up) },
        { name: 'down', color: '#d0483b', values: col((x) => x.nodes.down) },
      ]} />
      <LineChart title="instances" at={at} series={[
        { name: 'running', color: '#2f6fd6', values: col((x) => x.instances.running) },
        { name: 'failed', color: '#d0483b', values: col((x) => x.instances.failed) },
      ]} />
      <LineChart title="activity per interval" at={at} series={[
        { name: 'started', color: '#2e9d5b', values: col((x) => x.activity?.started ?? 0) },
        { name: 'moved', color: '#c98a16', values: col((x) => x.activity?.moved ?? 0) },
        { name: 'master changes', color: '#8a4fd0', values: col((x) => x.activity?.masterChanges ?? 0) },
      ]} />
    </div>
  );
}

export function LiveDot({ connected }: { connected: boolean }) {
  return <span className={`live ${connected ? 'on' : 'off'}`} data-testid="live" data-connected={connected} title={connected ? 'live updates connected' : 'live updates disconnected'}>{connected ? 'live' : 'offline'}</span>;
}
