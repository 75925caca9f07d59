// The one code path of `gw diff` and `gw apply` (STYLE example 11: diff is apply --dry-run):
// load + validate the files locally, read the live config from the admin API, plan, render,
// then (apply only) confirm deletes and POST the merged manifests with the expected revision.
// Loaded lazily by commands/apply.ts and commands/diff.ts so `gw --help` stays fast.
import { createInterface } from 'node:readline/promises';
import { GwError, isGwError } from '../../errors.js';
import { hasErrors, type Diagnostic } from '../../manifest/diagnostics.js';
import { validateConfig } from '../../manifest/validate.js';
import type { Manifest, Resource } from '../../manifest/types.js';
import { mergeSelected } from '../../state/merge.js';
import { parseFieldPath } from '../../state/path.js';
import { isEmptyPlan, plan as makePlan, type Plan, type PlanOptions } from '../../state/plan.js';
import { planJson } from '../../state/report.js';
import { parseSelector } from '../../state/selector.js';
import { buildSnapshot, displayName } from '../../state/snapshot.js';
import {
  adminBaseUrl,
  createAdminClient,
  type AdminClient,
  type AdminConfig,
  type ApplyRequest,
  type ApplyResponse,
} from '../admin-client.js';
import { readStdin, type CliIO } from '../io.js';
import { renderPretty, summarize } from '../render/diagnostics.js';
import { renderPlanPretty } from '../render/plan.js';
import { emptyPlan, failureDiagnostic, renderDiagnosticLines, revisionLabel } from '../render/control.js';
import { renderPlanMarkdown, type MarkdownPlanOptions } from '../render/markdown.js';
import { currentActor } from '../actor.js';
import { readPlanFile, writePlanFile } from '../plan-file.js';

export interface PlanCommandOptions {
  readonly config?: string;
  readonly file?: string[];
  readonly server?: string;
  readonly selector?: string;
  readonly output: 'pretty' | 'json' | 'markdown';
  readonly dryRun?: boolean;
  readonly ifRevision?: number;
  readonly yes?: boolean;
  /** gw diff --out: write the plan (and what applying it sends) to this file. */
  readonly out?: string;
}

export interface PlanCommandMode {
  /** 'diff' or 'apply': names the command in messages. */
  readonly command: 'diff' | 'apply';
  /** Plan only, never change the gateway. */
  readonly dryRun: boolean;
  /** Exit 2 when the plan has changes (gw diff, as deck's exit code for drift). */
  readonly exitTwoOnChanges: boolean;
  /** Answers the delete question on a TTY; undefined when there is no TTY to ask on. */
  readonly confirm?: ((question: string) => Promise<boolean>) | undefined;
  /** gw apply plan.json: apply a saved plan instead of the files. */
  readonly planFile?: string | undefined;
}

/** What the command found, for the JSON form; pretty output is written as it goes. */
interface Outcome {
  plan: Plan;
  diagnostics: Diagnostic[];
  liveRevision: number | null;
  applied?: boolean;
  revision?: number | null;
  /** The admin API, once known (the Markdown heading names it). */
  server?: string;
}

class Refused extends Error {
  constructor(readonly diagnostics: readonly Diagnostic[]) {
    super('refused');
  }
}

/** Asks on the terminal; only a typed "y" or "yes" agrees. */
export async function askOnTty(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await rl.question(question);
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}

/** The heading and closing line of the Markdown form (a PR comment, $GITHUB_STEP_SUMMARY). */
function markdownHeading(name: string, out: Outcome, code: number): MarkdownPlanOptions {
  const where = out.server !== undefined ? ` against ${out.server} (${revisionLabel(out.liveRevision)})` : '';
  let footer: string | undefined;
  if (code === 1) footer = `${name} failed; nothing was applied.`;
  else if (out.applied === true) footer = `Applied: revision ${out.revision ?? '?'}.`;
  else if (out.applied === false) footer = `Nothing to apply; the gateway stays at ${revisionLabel(out.revision)}.`;
  return { title: `${name}${where}`, diagnostics: out.diagnostics, ...(footer !== undefined ? { footer } : {}) };
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** Server-side refusals with diagnostics (422) are reported like local ones. */
function serverDiagnostics(err: GwError): Diagnostic[] {
  const list = err.details?.diagnostics;
  return Array.isArray(list) ? (list as Diagnostic[]) : [];
}

const SENT_INDEX = /^[a-z]+\[(\d+)\]$/;

/**
 * The gateway names a problem by the index of the manifest it was sent (`apply[3]`) and a line in
 * its own re-serialization; point at the local file instead (the resource with the same kind,
 * workspace and name), or name the resource when it came from the live side.
 */
function locateSent(d: Diagnostic, sent: readonly Manifest[], local: readonly Resource[]): Diagnostic {
  const i = SENT_INDEX.exec(d.file)?.[1];
  const m = i === undefined ? undefined : sent[Number(i)];
  if (m === undefined) return d;
  const workspace = m.metadata.workspace ?? 'default';
  const r = local.find((x) => x.kind === m.kind && x.name === m.metadata.name && x.workspace === workspace);
  if (r === undefined)
    return { ...d, file: `(live) ${m.kind.toLowerCase()} ${displayName(workspace, m.metadata.name)}`, line: 0, col: 0 };
  const at = r.source.locate(parseFieldPath(d.path) ?? []);
  return { ...d, file: r.source.file, line: at.line, col: at.col };
}

async function sendApply(client: AdminClient, body: ApplyRequest, local: readonly Resource[]): Promise<ApplyResponse> {
  try {
    return await client.apply(body);
  } catch (err) {
    if (isGwError(err) && serverDiagnostics(err).length > 0) {
      throw new Refused(serverDiagnostics(err).map((d) => locateSent(d, body.manifests, local)));
    }
    throw err;
  }
}

async function flow(o: PlanCommandOptions, mode: PlanCommandMode, io: CliIO, out: Outcome): Promise<number> {
  const name = `gw ${mode.command}`;
  const pretty = o.output !== 'json';
  let opts: PlanOptions = {};
  if (o.selector !== undefined) {
    const s = parseSelector(o.selector);
    if (!s.ok) throw s.error;
    opts = { selector: s.selector };
  }

  const v = await validateConfig({
    ...(o.config !== undefined ? { configPath: o.config } : {}),
    ...(o.file !== undefined ? { files: o.file } : {}),
    readStdin,
  });
  out.diagnostics.push(...v.diagnostics);
  if (hasErrors(v.diagnostics)) {
    if (pretty) io.err(renderPretty(v.diagnostics, summarize(v.diagnostics, v.resources.length, v.files.length)));
    io.err(`${name}: the manifests are invalid; nothing was compared or applied\n`);
    return 1;
  }
  if (v.diagnostics.length > 0)
    io.err(renderPretty(v.diagnostics, summarize(v.diagnostics, v.resources.length, v.files.length)));
  if (v.resources.length === 0) {
    io.err(
      `${name}: warning: no resources in the files given; the plan deletes every live resource${opts.selector ? ' the selector matches' : ''}\n`,
    );
  }

  const client = createAdminClient({
    baseUrl: adminBaseUrl(o.server, v.gateway?.manifest.spec.admin?.listen),
    key: process.env.GW_ADMIN_KEY,
  });
  out.server = client.baseUrl;
  const live: AdminConfig = await client.config();
  out.liveRevision = live.revision;
  if (o.ifRevision !== undefined && (live.revision ?? 0) !== o.ifRevision) {
    throw new GwError(
      'GW_ERR_REVISION_CONFLICT',
      `the live config is at ${revisionLabel(live.revision)}, not revision ${o.ifRevision} (--if-revision); nothing was applied. Run gw diff again and review the new plan`,
      { currentRevision: live.revision },
    );
  }

  const desired = buildSnapshot(v.resources.map((r) => r.manifest));
  const liveSnap = buildSnapshot(live.manifests);
  const p = makePlan(desired, liveSnap, opts);
  const manifests = mergeSelected(desired, liveSnap, opts);
  // The revision the plan was made against (0: none yet): a change made meanwhile is refused,
  // not overwritten.
  const ifRevision = o.ifRevision ?? live.revision ?? 0;
  return finish({ o, mode, io, out, client, live, plan: p, manifests, ifRevision, local: v.resources });
}

interface Planned {
  readonly o: PlanCommandOptions;
  readonly mode: PlanCommandMode;
  readonly io: CliIO;
  readonly out: Outcome;
  readonly client: AdminClient;
  readonly live: AdminConfig;
  readonly plan: Plan;
  /** The full desired set the apply sends. */
  readonly manifests: readonly Manifest[];
  readonly ifRevision: number;
  /** The local resources, to point the gateway's diagnostics at their files. */
  readonly local: readonly Resource[];
}

/** Prints the plan, then (diff) lets the gateway check it or (apply) confirms and applies it. */
async function finish(x: Planned): Promise<number> {
  const { o, mode, io, out, client, live, plan: p, manifests, ifRevision } = x;
  const name = `gw ${mode.command}`;
  const pretty = o.output === 'pretty';
  out.plan = p;
  if (pretty) io.out(renderPlanPretty(p));
  if (hasErrors(p.diagnostics)) {
    io.err(`${name}: the plan has errors; nothing was applied\n`);
    return 1;
  }
  const empty = isEmptyPlan(p);

  if (mode.dryRun) {
    // The server checks what the files cannot (references in ITS environment) before CI merges.
    if (!empty) await sendApply(client, { manifests, dryRun: true, ifRevision }, x.local);
    if (o.out !== undefined) {
      await writePlanFile(o.out, { server: client.baseUrl, revision: live.revision, manifests, plan: planJson(p) });
      io.err(`${name}: plan saved to ${o.out}; apply exactly it with gw apply ${o.out}\n`);
    }
    return empty || !mode.exitTwoOnChanges ? 0 : 2;
  }
  if (empty) {
    out.applied = false;
    out.revision = live.revision;
    if (pretty) io.out(`Nothing to apply; the gateway stays at ${revisionLabel(live.revision)}.\n`);
    return 0;
  }
  const deletes = p.summary.delete;
  if (deletes > 0 && o.yes !== true) {
    const question = `${name}: this deletes ${plural(deletes, 'resource')} from ${client.baseUrl}. Apply? [y/N] `;
    const agreed = mode.confirm !== undefined ? await mode.confirm(question) : false;
    if (!agreed) {
      const why =
        mode.confirm !== undefined
          ? 'not confirmed'
          : 'no terminal to ask on; pass --yes to apply deletes from scripts and CI';
      throw new GwError(
        'GW_ERR_APPLY_UNCONFIRMED',
        `the plan deletes ${plural(deletes, 'resource')} and was ${why}; nothing was applied`,
      );
    }
  }
  const res = await sendApply(client, { manifests, ifRevision, actor: currentActor() }, x.local);
  out.applied = res.applied;
  out.revision = res.revision;
  // The gateway checks the same manifests: keep only warnings the local check did not report.
  const seen = new Set(out.diagnostics.map((d) => `${d.code} ${d.path} ${d.message}`));
  out.diagnostics.push(
    ...(res.diagnostics ?? []).filter((d) => d.severity !== 'error' && !seen.has(`${d.code} ${d.path} ${d.message}`)),
  );
  if (pretty) {
    io.out(
      res.applied
        ? `Applied: revision ${res.revision} (${live.revision === null ? 'the first' : `was revision ${live.revision}`}).\n`
        : `Nothing was applied; the gateway stays at revision ${res.revision}.\n`,
    );
  }
  return 0;
}

/** gw apply plan.json: the saved manifests, only while the gateway is at the saved revision. */
async function applySaved(
  path: string,
  o: PlanCommandOptions,
  mode: PlanCommandMode,
  io: CliIO,
  out: Outcome,
): Promise<number> {
  if (o.file !== undefined || o.selector !== undefined || o.ifRevision !== undefined) {
    throw new GwError(
      'GW_ERR_CLI_USAGE',
      'a saved plan carries its manifests, selector and revision: -f, --selector and --if-revision do not go with it',
    );
  }
  const saved = await readPlanFile(path);
  const client = createAdminClient({
    baseUrl: o.server !== undefined ? adminBaseUrl(o.server, undefined) : saved.server,
    key: process.env.GW_ADMIN_KEY,
  });
  out.server = client.baseUrl;
  const live = await client.config();
  out.liveRevision = live.revision;
  if (live.revision !== saved.revision) {
    throw new GwError(
      'GW_ERR_REVISION_CONFLICT',
      `the plan in ${path} was made against ${revisionLabel(saved.revision)}, but the gateway is at ${revisionLabel(live.revision)} now; nothing was applied. Make a new plan with gw diff --out`,
      { currentRevision: live.revision },
    );
  }
  const p = makePlan(buildSnapshot(saved.manifests), buildSnapshot(live.manifests));
  const ifRevision = saved.revision ?? 0;
  return finish({ o, mode, io, out, client, live, plan: p, manifests: saved.manifests, ifRevision, local: [] });
}

/** Runs diff or apply; the exit code: 0 ok / no change, 2 changes (diff), 1 error or refusal. */
export async function runPlanCommand(o: PlanCommandOptions, mode: PlanCommandMode, io: CliIO): Promise<number> {
  const name = `gw ${mode.command}`;
  const out: Outcome = { plan: emptyPlan(), diagnostics: [], liveRevision: null };
  let code: number;
  try {
    code =
      mode.planFile !== undefined ? await applySaved(mode.planFile, o, mode, io, out) : await flow(o, mode, io, out);
  } catch (err) {
    if (err instanceof Refused) {
      out.diagnostics.push(...err.diagnostics);
      if (o.output === 'pretty') io.err(renderDiagnosticLines(err.diagnostics));
      io.err(
        mode.dryRun
          ? `${name}: the gateway would refuse this config (checked in its environment)\n`
          : `${name}: the gateway refused the config; nothing was applied\n`,
      );
    } else if (isGwError(err)) {
      out.diagnostics.push(failureDiagnostic(err));
      io.err(`${name}: ${err.code}: ${err.message}\n`);
    } else {
      throw err;
    }
    code = 1;
  }
  if (o.output === 'json') {
    const body = {
      ...planJson(out.plan, { diagnostics: out.diagnostics }),
      revision: out.liveRevision,
      ...(out.applied !== undefined ? { applied: out.applied, appliedRevision: out.revision ?? null } : {}),
    };
    io.out(JSON.stringify(body, null, 2) + '\n');
  } else if (o.output === 'markdown') {
    io.out(renderPlanMarkdown(out.plan, markdownHeading(name, out, code)));
  }
  return code;
}
