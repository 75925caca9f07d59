// Endpoint-ref cycles (a -> b -> a): a request would be forwarded forever. One diagnostic per
// strongly connected group, at the first reference of the member that comes first in the input.
import type { EndpointResource } from '../types.js';
import type { SemanticContext, WorkspaceIndex } from './context.js';

interface Edge {
  readonly to: string;
  readonly target: number;
}

function edgesOf(ws: WorkspaceIndex): Map<string, Edge[]> {
  const edges = new Map<string, Edge[]>();
  for (const [name, r] of ws.endpoints) {
    const spec = r.manifest.spec;
    const out: Edge[] = [];
    if (spec.type === 'chat') {
      (spec.routing?.targets ?? []).forEach((t, i) => {
        // Targets naming both or an unknown/proxy endpoint are reported elsewhere; they cannot loop.
        if (t.endpoint === undefined || t.provider !== undefined) return;
        if (ws.endpoints.get(t.endpoint)?.manifest.spec.type === 'chat') out.push({ to: t.endpoint, target: i });
      });
    }
    edges.set(name, out);
  }
  return edges;
}

/** Tarjan's strongly connected components, iterative so deep chains cannot overflow the stack. */
function components(edges: Map<string, Edge[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const out: string[][] = [];
  let next = 0;
  for (const root of edges.keys()) {
    if (index.has(root)) continue;
    const work: { node: string; i: number }[] = [{ node: root, i: 0 }];
    index.set(root, next);
    low.set(root, next++);
    stack.push(root);
    onStack.add(root);
    while (work.length > 0) {
      const frame = work[work.length - 1]!;
      const list = edges.get(frame.node) ?? [];
      if (frame.i < list.length) {
        const to = list[frame.i++]!.to;
        if (!index.has(to)) {
          index.set(to, next);
          low.set(to, next++);
          stack.push(to);
          onStack.add(to);
          work.push({ node: to, i: 0 });
        } else if (onStack.has(to)) {
          low.set(frame.node, Math.min(low.get(frame.node)!, index.get(to)!));
        }
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent !== undefined) low.set(parent.node, Math.min(low.get(parent.node)!, low.get(frame.node)!));
      if (low.get(frame.node) === index.get(frame.node)) {
        const comp: string[] = [];
        let n: string | undefined;
        do {
          n = stack.pop()!;
          onStack.delete(n);
          comp.push(n);
        } while (n !== frame.node);
        out.push(comp);
      }
    }
  }
  return out;
}

/** Shortest path start -> ... -> start inside the component (breadth first), as edges. */
function shortestCycle(start: string, members: Set<string>, edges: Map<string, Edge[]>): string[] {
  const prev = new Map<string, string>();
  const queue = [start];
  for (let q = 0; q < queue.length; q++) {
    const from = queue[q]!;
    for (const e of edges.get(from) ?? []) {
      if (!members.has(e.to)) continue;
      if (e.to === start) {
        const path = [start];
        for (let n: string | undefined = from; n !== undefined && n !== start; n = prev.get(n)) path.unshift(n);
        path.unshift(start);
        return path;
      }
      if (!prev.has(e.to)) {
        prev.set(e.to, from);
        queue.push(e.to);
      }
    }
  }
  return [start, start];
}

export function checkCycles(ctx: SemanticContext): void {
  const order = new Map<EndpointResource, number>();
  ctx.resources.forEach((r, i) => {
    if (r.kind === 'Endpoint') order.set(r as EndpointResource, i);
  });
  for (const ws of ctx.workspaces.values()) {
    const edges = edgesOf(ws);
    for (const comp of components(edges)) {
      const selfLoop = comp.length === 1 && (edges.get(comp[0]!) ?? []).some((e) => e.to === comp[0]);
      if (comp.length < 2 && !selfLoop) continue;
      const byInput = comp
        .map((name) => ws.endpoints.get(name)!)
        .sort((a, b) => (order.get(a) ?? 0) - (order.get(b) ?? 0));
      const first = byInput[0]!;
      const cycle = shortestCycle(first.name, new Set(comp), edges);
      const edge = (edges.get(first.name) ?? []).find((e) => e.to === cycle[1])!;
      const msg =
        `endpoint ${first.name} forwards to endpoint ${edge.to}, which leads back to it: ${cycle.join(' -> ')}; ` +
        `a request would loop forever, so point one of these targets at a provider instead`;
      ctx.report(first, ['spec', 'routing', 'targets', edge.target, 'endpoint'], 'GW_ERR_REF_CYCLE', msg);
    }
  }
}
