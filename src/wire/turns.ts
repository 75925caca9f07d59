// OpenAI chat messages → what the Anthropic Messages API and Bedrock's Converse API both take:
// system blocks apart, then turns that alternate user and assistant. System and developer
// messages join the system blocks, a tool result goes into a user turn, and consecutive messages
// of one role merge into one turn. Each API builds its own blocks.
import { objects, type Obj } from '../util/json-readers.js';

export type TurnRole = 'user' | 'assistant';

export interface TurnBlocks {
  /** The blocks of a system or developer message's content. */
  system(content: unknown): Obj[];
  user(content: unknown): Obj[];
  assistant(message: Obj): Obj[];
  toolResult(message: Obj): Obj;
}

export interface Turns {
  readonly system: Obj[];
  readonly turns: { role: TurnRole; content: Obj[] }[];
}

export function foldTurns(raw: unknown, blocks: TurnBlocks): Turns {
  const system: Obj[] = [];
  const turns: { role: TurnRole; content: Obj[] }[] = [];
  const push = (role: TurnRole, content: Obj[]): void => {
    if (content.length === 0) return;
    const last = turns[turns.length - 1];
    if (last !== undefined && last.role === role) last.content.push(...content);
    else turns.push({ role, content });
  };
  for (const m of objects(raw)) {
    switch (m.role) {
      case 'system':
      case 'developer':
        system.push(...blocks.system(m.content));
        break;
      case 'user':
        push('user', blocks.user(m.content));
        break;
      case 'assistant':
        push('assistant', blocks.assistant(m));
        break;
      case 'tool':
        push('user', [blocks.toolResult(m)]);
        break;
      default: // legacy 'function' messages have no tool call id to answer: dropped
    }
  }
  return { system, turns };
}
