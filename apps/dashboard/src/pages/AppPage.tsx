import { useEffect, useState } from 'react';
import { api, type AppLogs, type LiveEvent, type PlacementExplanation, type RegisteredSpec } from '../api';
import { Badge, ErrorLine, EventList, pushEvent, shortId, shortIds } from '../components/common';
import { useLiveEvents, useRefresh } from '../live';
import { LiveDot } from './Overview';
import { OwnerLogin, useOwnerSession } from './OwnerLogin';

interface Component { name: string; repotag: string; cpu: number; ram: number; hdd: number; ports?: number[]; containerData?: string }

/** A spec's components: v4+ have `compose`, v1–v3 are one component described at the top level. */
function componentsOf(spec: RegisteredSpec): Component[] {
  const s = spec as Record<string, unknown>;
  if (Array.isArray(s.compose)) return s.compose as Component[];
  return [{ name: String(s.name), repotag: String(s.repotag ?? ''), cpu: Number(s.cpu ?? 0), ram: Number(s.ram ?? 0), hdd: Number(s.hdd ?? 0), ports: s.ports as number[] | undefined, containerData: s.containerData as string | undefined }];
}

/** The current master of each `g:` component: the highest term seen in the app's events. */
function mastersOf(events: LiveEvent[]): Array<{ component: string; nodeId: string; term: number }> {
  const byComponent = new Map<string, { component: string; nodeId: string; term: number }>();
  for (const e of events) {
    if (e.type !== 'MasterElected') continue;
    const m = { component: String(e.data.component), nodeId: String(e.data.nodeId), term: Number(e.data.term) };
    const prev = byComponent.get(m.component);
    if (!prev || prev.term < m.term) byComponent.set(m.component, m);
  }
  return [...byComponent.values()];
}

/** One app: its spec, where its instances run and why, its masters, its last events; owners see logs. */
export function AppPage({ app }: { app: string }) {
  const spec = useRefresh(() => api.spec(app), [app]);
  const placement = useRefresh(() => api.placement(app), [app]);
  const [events, setEvents] = useState<LiveEvent[]>([]);
  const [masterEvents, setMasterEvents] = useState<LiveEvent[]>([]);
  const [eventsError, setEventsError] = useState<string>();
  const loadEvents = () => api.recentEvents(app, 50).then((list) => {
    setEvents(list.slice().reverse().slice(0, 30));
    setMasterEvents(list.filter((e) => e.type === 'MasterElected'));
  }, (err: unknown) => setEventsError(err instanceof Error ? err.message : String(err)));
  useEffect(() => { void loadEvents(); }, [app]);
  const { connected } = useLiveEvents({
    app,
    onEvent: (e) => {
      setEvents((list) => pushEvent(list, e));
      if (e.type === 'MasterElected') setMasterEvents((list) => [...list, e]);
      if (e.subject.startsWith('evt.app.')) spec.trigger();
      placement.trigger();
    },
    onGap: () => { void loadEvents(); placement.trigger(); spec.trigger(); },
  });
  const masters = mastersOf(masterEvents);
  const session = useOwnerSession();
  const gApp = spec.value ? componentsOf(spec.value).some((c) => c.containerData?.includes('g:')) : false;
  return (
    <section>
      <h1>{app} <LiveDot connected={connected} /></h1>
      <ErrorLine error={spec.error ?? placement.error ?? eventsError} />
      <div className="columns">
        <div>
          <h2>Spec</h2>
          {spec.value && <SpecView spec={spec.value} />}
          <h2>Masters</h2>
          {masters.length > 0 ? (
            <ul data-testid="masters">{masters.map((m) => <li key={m.component}>{m.component}: node <span className="mono">{shortId(m.nodeId)}</span>, term {m.term}</li>)}</ul>
          ) : <p className="muted">{gApp ? 'no master elected yet' : 'not a g: app (no master)'}</p>}
        </div>
        <div>
          <h2>Instances</h2>
          {placement.value && <Instances p={placement.value} />}
          <h2>Placement</h2>
          {placement.value && <PlacementView p={placement.value} />}
        </div>
      </div>
      <h2>Last events</h2>
      <EventList events={events} testId="app-events" />
      <h2>Owner</h2>
      {session.auth ? <OwnerTools app={app} zelidauth={session.auth} onLogout={session.logout} /> : <OwnerLogin onLogin={session.login} />}
    </section>
  );
}

function SpecView({ spec }: { spec: RegisteredSpec }) {
  const s = spec as Record<string, unknown>;
  return (
    <>
      <dl className="facts">
        <dt>owner</dt><dd className="mono">{spec.owner}</dd>
        <dt>version</dt><dd>{String(s.version)}</dd>
        <dt>instances</dt><dd>{String(s.instances ?? 3)}</dd>
        <dt>registered at</dt><dd>height {spec.height}</dd>
        <dt>hash</dt><dd className="mono">{shortId(spec.hash)}</dd>
      </dl>
      <table>
        <thead><tr><th>component</th><th>image</th><th>cpu</th><th>ram</th><th>hdd</th><th>ports</th></tr></thead>
        <tbody>
          {componentsOf(spec).map((c) => (
            <tr key={c.name}><td>{c.name}</td><td className="mono">{c.repotag}</td><td>{c.cpu}</td><td>{c.ram} MB</td><td>{c.hdd} GB</td><td>{(c.ports ?? []).join(', ')}</td></tr>
          ))}
        </tbody>
      </table>
      <details><summary>whole spec</summary><pre>{JSON.stringify(spec, null, 2)}</pre></details>
    </>
  );
}

function Instances({ p }: { p: PlacementExplanation }) {
  if (p.instances.length === 0) return <p className="muted">no instances</p>;
  return (
    <table data-testid="instances">
      <thead><tr><th>node</th><th>address</th><th>tier</th><th>location</th><th>status</th><th>why there</th></tr></thead>
      <tbody>
        {p.instances.map((i) => (
          <tr key={i.nodeId} data-testid="instance-row" data-node-id={i.nodeId} data-ip={i.ip} data-status={i.status}>
            <td className="mono" title={i.nodeId}>{shortId(i.nodeId)}</td>
            <td className="mono">{i.ip}</td>
            <td>{i.tier}</td>
            <td>{i.location ?? ''}</td>
            <td><Badge ok={i.status === 'running'} yes="running" no={i.status} /></td>
            <td className="muted">{shortIds(i.reason ?? '')}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function PlacementView({ p }: { p: PlacementExplanation }) {
  return (
    <div data-testid="placement">
      <p>{p.summary}</p>
      <p className="muted">{p.placed} of {p.target} placed · {p.eligible} of {p.totalNodes} nodes could take another</p>
      {p.ruledOut.length > 0 && <ul>{p.ruledOut.map((r) => <li key={r.rule}>{r.nodes} ruled out: {r.label}</li>)}</ul>}
      {p.problems.length > 0 && <ul className="error">{p.problems.map((x) => <li key={x}>{x}</li>)}</ul>}
      {p.wouldPlace.length > 0 && <p>would place now on {p.wouldPlace.map((w) => shortId(w.nodeId)).join(', ')}</p>}
      {p.wouldRelease.length > 0 && <p>would release {p.wouldRelease.map((w) => `${shortId(w.nodeId)} (${shortIds(w.reason)})`).join(', ')}</p>}
    </div>
  );
}

function OwnerTools({ app, zelidauth, onLogout }: { app: string; zelidauth: string; onLogout: () => void }) {
  const [logs, setLogs] = useState<AppLogs>();
  const [status, setStatus] = useState<string>();
  const [error, setError] = useState<string>();
  const fail = (err: unknown) => setError(err instanceof Error ? err.message : String(err));
  const readLogs = () => { setError(undefined); api.appLog(app, zelidauth).then(setLogs, fail); };
  const restart = () => {
    setError(undefined);
    setStatus('restarting…');
    api.appRestart(app, zelidauth).then(() => { setStatus('restarted'); readLogs(); }, (err: unknown) => { setStatus(undefined); fail(err); });
  };
  useEffect(readLogs, [app, zelidauth]);
  return (
    <div data-testid="owner-tools">
      <p>
        logged in as <span className="mono">{(JSON.parse(zelidauth) as { zelid: string }).zelid}</span>{' '}
        <button onClick={readLogs}>read logs again</button> <button onClick={restart} data-testid="restart">restart the app</button>{' '}
        <button onClick={onLogout}>log out</button> {status && <span className="muted">{status}</span>}
      </p>
      <ErrorLine error={error} />
      <div data-testid="logs">
        {(logs ?? []).map((n) => (
          <div key={n.nodeId} className="log">
            <h3>node <span className="mono">{shortId(n.nodeId)}</span> ({n.ip})</h3>
            {'error' in n ? <p className="error">{n.error.message}</p> : n.data.map((c) => (
              <pre key={c.container} data-testid="log-text">{c.log || '(empty log)'}</pre>
            ))}
          </div>
        ))}
      </div>
    </div>
  );
}
