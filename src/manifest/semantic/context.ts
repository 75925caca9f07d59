// Shared state of one semantic pass: the resources indexed by workspace and kind, and the
// collector every check reports into. Checks never throw and never stop at the first problem.
import type { ErrorCode } from '../../errors.js';
import { formatPath, type Diagnostic, type Severity } from '../diagnostics.js';
import type {
  ApiKeyResource,
  EndpointResource,
  GuardrailResource,
  Kind,
  ManifestOf,
  ProviderResource,
  BrokenResource,
  Resource,
} from '../types.js';

export type Path = readonly (string | number)[];

/** The first resource of each name, per kind, in one workspace (later duplicates are reported). */
export interface WorkspaceIndex {
  readonly name: string;
  readonly providers: Map<string, ProviderResource>;
  readonly endpoints: Map<string, EndpointResource>;
  readonly guardrails: Map<string, GuardrailResource>;
  readonly keys: Map<string, ApiKeyResource>;
}

export interface SemanticContext {
  readonly strict: boolean;
  readonly resources: readonly Resource[];
  readonly workspaces: ReadonlyMap<string, WorkspaceIndex>;
  /** Resources that repeat an earlier kind+workspace+name; some checks skip them to avoid echoes. */
  readonly duplicates: ReadonlySet<Resource>;
  report(r: Resource, path: Path, code: ErrorCode, message: string, opts?: ReportOptions): void;
  /** "file:line" of the node at path, for messages that name a second place. */
  where(r: Resource, path: Path, opts?: { key?: boolean }): string;
  workspace(name: string): WorkspaceIndex;
  /** True when a document of that kind and name failed its schema check (so it is not "undefined"). */
  isBroken(kind: string, workspace: string, name: string): boolean;
  readonly diagnostics: Diagnostic[];
}

export interface ReportOptions {
  readonly severity?: Severity;
  /** Point at the mapping key rather than its value (used for model names, which are keys). */
  readonly key?: boolean;
}

export function isKind<K extends Kind>(r: Resource, kind: K): r is Resource<ManifestOf<K>> {
  return r.manifest.kind === kind;
}

function emptyIndex(name: string): WorkspaceIndex {
  return { name, providers: new Map(), endpoints: new Map(), guardrails: new Map(), keys: new Map() };
}

/** Adds r to its index unless the name is taken; returns the earlier holder of the name, if any. */
function register(ws: WorkspaceIndex, r: Resource): Resource | undefined {
  const add = <R extends Resource>(map: Map<string, R>, res: R): R | undefined => {
    const first = map.get(res.name);
    if (first === undefined) map.set(res.name, res);
    return first;
  };
  if (isKind(r, 'Provider')) return add(ws.providers, r);
  if (isKind(r, 'Endpoint')) return add(ws.endpoints, r);
  if (isKind(r, 'Guardrail')) return add(ws.guardrails, r);
  if (isKind(r, 'ApiKey')) return add(ws.keys, r);
  return undefined;
}

export interface DuplicateFound {
  readonly resource: Resource;
  readonly first: Resource;
}

export function createContext(
  resources: readonly Resource[],
  strict: boolean,
  broken: readonly BrokenResource[] = [],
): { ctx: SemanticContext; duplicates: DuplicateFound[] } {
  const brokenKeys = new Set(broken.map((b) => `${b.kind}/${b.workspace}/${b.name}`));
  const workspaces = new Map<string, WorkspaceIndex>();
  const dupList: DuplicateFound[] = [];
  const dupSet = new Set<Resource>();
  const diagnostics: Diagnostic[] = [];
  for (const r of resources) {
    if (r.kind === 'Gateway') continue;
    let ws = workspaces.get(r.workspace);
    if (ws === undefined) workspaces.set(r.workspace, (ws = emptyIndex(r.workspace)));
    const first = register(ws, r);
    if (first !== undefined) {
      dupList.push({ resource: r, first });
      dupSet.add(r);
    }
  }
  const ctx: SemanticContext = {
    strict,
    resources,
    workspaces,
    duplicates: dupSet,
    diagnostics,
    report(r, path, code, message, opts) {
      const at = r.source.locate(path, opts?.key === true ? { key: true } : undefined);
      diagnostics.push({
        code,
        severity: opts?.severity ?? 'error',
        message,
        file: r.source.file,
        line: at.line,
        col: at.col,
        path: formatPath(path),
      });
    },
    where(r, path, opts) {
      return `${r.source.file}:${r.source.locate(path, opts).line}`;
    },
    workspace(name) {
      return workspaces.get(name) ?? emptyIndex(name);
    },
    isBroken(kind, workspace, name) {
      return brokenKeys.has(`${kind}/${workspace}/${name}`);
    },
  };
  return { ctx, duplicates: dupList };
}
