// Shell completion scripts generated from the command tree itself, so a new command or flag
// completes without touching this file: bash (complete -F), zsh (through bashcompinit) and fish.
// The bash function avoids zsh's special names (path, words) so the same body runs in both.
import type { Command, Option } from 'commander';
import { walkCommands } from './conventions.js';

export const SHELLS = ['bash', 'zsh', 'fish'] as const;
export type Shell = (typeof SHELLS)[number];

interface Node {
  readonly path: string;
  readonly cmd: Command;
}

function visibleOptions(cmd: Command): Option[] {
  return cmd.options.filter((o) => !o.hidden);
}

function optionWords(cmd: Command): string[] {
  const words: string[] = [];
  for (const o of visibleOptions(cmd)) {
    if (o.short !== undefined) words.push(o.short);
    if (o.long !== undefined) words.push(o.long);
  }
  words.push('--help');
  return words;
}

function subcommandNames(cmd: Command): string[] {
  return cmd.commands.map((c) => c.name());
}

/** Values an argument accepts, when it names them (gw completion <shell>). */
function argumentChoices(cmd: Command): string[] {
  return cmd.registeredArguments.flatMap((a) => a.argChoices ?? []);
}

function takesValue(o: Option): boolean {
  return o.required || o.optional;
}

const quote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

function bash(program: Command, nodes: readonly Node[]): string {
  const all: Node[] = [{ path: '', cmd: program }, ...nodes];
  const paths = nodes.map((n) => quote(n.path)).join(' ');
  const wordCases = all
    .map(
      (n) =>
        `    ${quote(n.path)}) choices=${quote([...subcommandNames(n.cmd), ...argumentChoices(n.cmd), ...optionWords(n.cmd)].join(' '))} ;;`,
    )
    .join('\n');
  const valueCases: string[] = [];
  for (const n of all) {
    for (const o of visibleOptions(n.cmd)) {
      if (!takesValue(o)) continue;
      const flags = [o.short, o.long].filter((f): f is string => f !== undefined);
      const pattern = flags.map((f) => quote(`${n.path}|${f}`)).join('|');
      const choices = o.argChoices;
      valueCases.push(
        choices !== undefined
          ? `    ${pattern}) COMPREPLY=($(compgen -W ${quote(choices.join(' '))} -- "$cur")); return ;;`
          : `    ${pattern}) return ;;`,
      );
    }
  }
  return `# gw completion for bash: gw completion bash > ~/.local/share/bash-completion/completions/gw
_gw() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="" at="" next w i p
  (( COMP_CWORD > 0 )) && prev="\${COMP_WORDS[COMP_CWORD-1]}"
  local -a known=(${paths})
  for (( i = 1; i < COMP_CWORD; i++ )); do
    w="\${COMP_WORDS[i]}"
    [[ $w == -* ]] && continue
    next="\${at:+$at }$w"
    for p in "\${known[@]}"; do [[ $p == "$next" ]] && at="$next" && break; done
  done
  COMPREPLY=()
  case "$at|$prev" in
${valueCases.join('\n')}
  esac
  local choices=""
  case "$at" in
${wordCases}
  esac
  COMPREPLY=($(compgen -W "$choices" -- "$cur"))
}
complete -o default -F _gw gw
`;
}

function zsh(program: Command, nodes: readonly Node[]): string {
  return `# gw completion for zsh: add \`source <(gw completion zsh)\` to ~/.zshrc
autoload -U +X bashcompinit && bashcompinit
${bash(program, nodes).replace(/^# gw completion for bash.*\n/, '')}`;
}

function fish(program: Command, nodes: readonly Node[]): string {
  const lines = [
    '# gw completion for fish: gw completion fish > ~/.config/fish/completions/gw.fish',
    'complete -c gw -f',
  ];
  const all: Node[] = [{ path: '', cmd: program }, ...nodes];
  for (const n of all) {
    const words = n.path === '' ? [] : n.path.split(' ');
    // At the root: no subcommand yet. Below: exactly this path seen, and no deeper one.
    const here =
      words.length === 0
        ? '__fish_use_subcommand'
        : `__fish_seen_subcommand_from ${words[words.length - 1]}` +
          (n.cmd.commands.length > 0
            ? `; and not __fish_seen_subcommand_from ${subcommandNames(n.cmd).join(' ')}`
            : '');
    for (const choice of argumentChoices(n.cmd)) lines.push(`complete -c gw -n ${quote(here)} -a ${quote(choice)}`);
    for (const sub of n.cmd.commands) {
      lines.push(`complete -c gw -n ${quote(here)} -a ${quote(sub.name())} -d ${quote(sub.description())}`);
    }
    for (const o of visibleOptions(n.cmd)) {
      const parts = [`complete -c gw -n ${quote(here)}`];
      if (o.short !== undefined) parts.push(`-s ${o.short.slice(1)}`);
      if (o.long !== undefined) parts.push(`-l ${o.long.slice(2)}`);
      if (takesValue(o)) parts.push(o.argChoices !== undefined ? `-x -a ${quote(o.argChoices.join(' '))}` : '-r -F');
      parts.push(`-d ${quote(o.description)}`);
      lines.push(parts.join(' '));
    }
  }
  return lines.join('\n') + '\n';
}

export function completionScript(program: Command, shell: Shell): string {
  const nodes = walkCommands(program).filter((n) => n.cmd.name() !== 'help');
  return shell === 'bash' ? bash(program, nodes) : shell === 'zsh' ? zsh(program, nodes) : fish(program, nodes);
}
