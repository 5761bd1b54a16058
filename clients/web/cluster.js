// Cluster (platform admin): this node's status, and the steps of moving a
// chain between nodes (docs/scaling.md), each a plain form. On a node
// without --cluster-etcd the steps answer FAILED_PRECONDITION, shown in
// the banner in the engine's words.
import { useState } from 'preact/hooks';
import { call } from '../shared/api.js';
import { html, useAction, useLoad } from '../shared/ui.js';

const STEPS = [
  ['FreezeChain', 'Freeze writes', true],
  ['UnfreezeChain', 'Unfreeze', false],
  ['ExportChain', 'Export to an SST file', 'path'],
  ['ImportChain', 'Import an SST file', 'path'],
  ['DropChain', 'Drop the chain here', false],
];

export function Cluster({ s }) {
  const act = useAction();
  const [st, reload] = useLoad(() => call('Cluster', 'Status', {}), []);
  const [f, setF] = useState({ chain: s.chain, path: '', timeout_ms: 5000 });
  const [answer, setAnswer] = useState(null);
  const run = (method) => act(async () => {
    setAnswer(null);
    const req = { chain: f.chain };
    if (method === 'FreezeChain') req.timeout_ms = Number(f.timeout_ms || 0);
    if (method === 'ExportChain' || method === 'ImportChain') req.path = f.path;
    const r = await call('Cluster', method, req);
    setAnswer({ method, r });
    reload();
  });
  const names = (xs) => ((xs || []).length ? xs.join(', ') : '—');
  return html`<section class="cluster">
    <div class="row toolbar"><h2>Cluster</h2><button class="cluster-refresh" onClick=${reload}>Refresh</button></div>
    ${st ? html`<table class="list money cluster-status" data-node=${st.node_id} data-map-version=${st.map_version}><tbody>
      <tr><td>node</td><td class="node-id">${st.node_id || html`<span class="muted">(single node, no --cluster-etcd)</span>`}</td></tr>
      <tr><td>map version</td><td class="map-version">${st.map_version}</td></tr>
      <tr><td>owned</td><td class="owned">${names(st.owned)}</td></tr>
      <tr><td>loaded</td><td class="loaded">${names(st.loaded)}</td></tr>
      <tr><td>frozen</td><td class="frozen">${names(st.frozen)}</td></tr>
      <tr><td>memory</td><td class="memory" data-bytes=${st.allocated_bytes}>${st.allocated_bytes ? `${(st.allocated_bytes / 1048576).toFixed(1)} MiB` : 'unknown'}</td></tr>
    </tbody></table>` : null}
    <div class="card cluster-move"><h3>Move a chain (one step at a time)</h3>
      <div class="row"><input name="cl-chain" placeholder="chain" value=${f.chain} onInput=${(e) => setF({ ...f, chain: e.target.value })} />
        <input name="cl-path" class="wide" placeholder="SST path on this node (export / import)" value=${f.path} onInput=${(e) => setF({ ...f, path: e.target.value })} />
        <label>freeze timeout ms <input name="cl-timeout" type="number" value=${f.timeout_ms} onInput=${(e) => setF({ ...f, timeout_ms: e.target.value })} /></label></div>
      <div class="row">${STEPS.map(([m, label]) => html`<button class=${`cl-${m}`} onClick=${() => run(m)}>${label}</button>`)}</div>
      ${answer ? html`<p class="ok cluster-answer" data-method=${answer.method}>${answer.method}: ${JSON.stringify(answer.r)}</p>` : null}
    </div>
  </section>`;
}
