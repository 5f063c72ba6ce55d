import { api, type LiveEvent, type NetworkNode } from '../api';
import { Badge, ErrorLine, shortId } from '../components/common';
import { useLiveEvents, useRefresh } from '../live';
import { LiveDot } from './Overview';

/** Events that change a node's liveness or load, or the set of nodes (NodeRegistered, NodeExpired… on the chain's subject). */
const changesNodes = (e: LiveEvent) => /^evt\.(node|placement|instance)\./.test(e.subject) || (e.subject === 'evt.chain' && e.type.startsWith('Node'));

const pct = (used: number, of: number) => (of > 0 ? Math.round((used / of) * 100) : 0);

function Load({ n }: { n: NetworkNode }) {
  const bars: Array<[string, number]> = [['cpu', pct(n.used.cpu, n.allocatable.cpu)], ['ram', pct(n.used.ram, n.allocatable.ram)], ['hdd', pct(n.used.hdd, n.allocatable.hdd)]];
  return (
    <div className="load">
      {bars.map(([k, p]) => (
        <div key={k} className="bar" title={`${k} ${p}% of what apps may use`}>
          <span className="bar-label">{k}</span><span className="bar-track"><span className="bar-fill" style={{ width: `${Math.min(100, p)}%` }} /></span><span className="bar-pct">{p}%</span>
        </div>
      ))}
    </div>
  );
}

/** Every node: tier, location, load and whether it is up, changed as the events say. */
export function Nodes() {
  const nodes = useRefresh(() => api.nodes(), []);
  const { connected } = useLiveEvents({
    onEvent: (e) => { if (changesNodes(e)) nodes.trigger(); },
    onGap: () => nodes.trigger(),
  });
  const list = nodes.value ?? [];
  return (
    <section>
      <h1>Nodes <LiveDot connected={connected} /></h1>
      <ErrorLine error={nodes.error} />
      <p className="muted">{list.filter((n) => n.up).length} of {list.length} up</p>
      <table data-testid="nodes">
        <thead><tr><th>node</th><th>address</th><th>tier</th><th>location</th><th>instances</th><th>load</th><th>liveness</th></tr></thead>
        <tbody>
          {list.map((n) => (
            <tr key={n.nodeId} data-testid="node-row" data-node-id={n.nodeId} data-ip={n.ip} data-up={n.up}>
              <td className="mono" title={n.nodeId}>{shortId(n.nodeId)}</td>
              <td className="mono">{n.ip}</td>
              <td>{n.tier}</td>
              <td>{n.location ?? <span className="muted">unknown</span>}</td>
              <td>{n.instances}</td>
              <td><Load n={n} /></td>
              <td data-testid="liveness">
                <Badge ok={n.up} yes="up" no="down" />
                {n.expired && <span className="badge bad">expired</span>}
                {!n.benchmarkPassed && <span className="badge warn">not benchmarked</span>}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
