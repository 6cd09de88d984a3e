import type { ComponentModule } from '@os/runtime';
import { edgeHubComponent } from './edge-hub-component.js';
import { StoredUpstream } from './stored-upstream.js';

/**
 * The edge hub component (binary `edge_hub`): leaves over MQTT with TLS through its Net session, authenticated against
 * the gateway's device scope; each leaf's telemetry stored in the `storage` File_system session and forwarded to the
 * hub over a connection as that leaf (Net session `upstream`), methods and twin traffic passed both ways; the
 * `telemetry_state` report per leaf.
 */
export const edgeHub: ComponentModule = edgeHubComponent({
  upstream: (context) => StoredUpstream.open(context),
  started: async (hub, upstream) => {
    if (upstream instanceof StoredUpstream) await upstream.report(hub);
  },
});
