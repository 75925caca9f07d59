// Recording fake upstreams for the dialect tests, answering in each provider's real wire format
// (from the public API references): an OpenAI chat-completions server and an Anthropic Messages
// server. Both call a tool when the request offers tools and echo the last user text otherwise.
import type { ServerResponse } from 'node:http';
import { startUpstream, type FakeUpstream, type Recorded } from '../serve/helpers.js';

type Obj = Record<string, unknown>;

export const TOOL_ARGS = { location: 'Paris', unit: 'celsius' };
/** The answer to a structured-output request (response_format, a forced tool, output_format). */
export const STRUCTURED = { city: 'Paris', temperature: 21 };

/** The forced tool an Anthropic body names (tool_choice {type: 'tool'}), if any. */
function forcedTool(body: Obj): string | undefined {
  const c = body['tool_choice'] as Obj | undefined;
  return c?.['type'] === 'tool' ? String(c['name']) : undefined;
}

/** An Anthropic body that asks for JSON output natively (output_config.format / output_format). */
function nativeJson(body: Obj): boolean {
  return body['output_format'] !== undefined || (body['output_config'] as Obj | undefined)?.['format'] !== undefined;
}

/** The last user text of an OpenAI or Anthropic body (string content or text parts/blocks). */
function lastUserText(body: Obj): string {
  const msgs = (body['messages'] as Obj[] | undefined) ?? [];
  for (let i = msgs.length - 1; i >= 0; i--) {
    const m = msgs[i] as Obj;
    if (m['role'] !== 'user') continue;
    const c = m['content'];
    if (typeof c === 'string') return c;
    if (Array.isArray(c)) {
      const t = (c as Obj[]).filter((p) => p['type'] === 'text').map((p) => String(p['text']));
      if (t.length > 0) return t.join(' ');
    }
  }
  return '';
}

const sse = (res: ServerResponse, data: Obj | string, event?: string): void => {
  res.write(
    `${event !== undefined ? `event: ${event}\n` : ''}data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`,
  );
};

function openaiHandler(r: Recorded, res: ServerResponse, req: import('node:http').IncomingMessage): void {
  const model = String(r.body['model']);
  const tool = Array.isArray(r.body['tools']) && r.body['tools'].length > 0;
  const structured = r.body['response_format'] !== undefined && !tool;
  const text = tool ? 'Checking.' : structured ? JSON.stringify(STRUCTURED) : `echo: ${lastUserText(r.body)}`;
  const usage = {
    prompt_tokens: 40,
    completion_tokens: 12,
    total_tokens: 52,
    prompt_tokens_details: { cached_tokens: 0 },
  };
  const call = {
    id: 'call_abc123',
    type: 'function',
    function: { name: 'get_weather', arguments: JSON.stringify(TOOL_ARGS) },
  };
  if (r.body['stream'] !== true) {
    res.writeHead(200, { 'content-type': 'application/json' });
    const message: Obj = { role: 'assistant', content: text, refusal: null };
    if (tool) message['tool_calls'] = [call];
    res.end(
      JSON.stringify({
        id: 'chatcmpl-e2e1',
        object: 'chat.completion',
        created: 1741569952,
        model,
        choices: [{ index: 0, message, logprobs: null, finish_reason: tool ? 'tool_calls' : 'stop' }],
        usage,
        system_fingerprint: 'fp_e2e',
      }),
    );
    return;
  }
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  const chunk = (delta: Obj, finish: string | null = null): Obj => ({
    id: 'chatcmpl-e2e2',
    object: 'chat.completion.chunk',
    created: 1741569952,
    model,
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
  });
  sse(res, chunk({ role: 'assistant', content: '' }));
  for (const w of text.split(' ')) sse(res, chunk({ content: `${w} ` }));
  if (model === 'gpt-break') {
    setTimeout(() => req.socket.destroy(), 20);
    return;
  }
  if (tool) {
    const args = call.function.arguments;
    sse(
      res,
      chunk({
        tool_calls: [{ index: 0, id: call.id, type: 'function', function: { name: 'get_weather', arguments: '' } }],
      }),
    );
    sse(res, chunk({ tool_calls: [{ index: 0, function: { arguments: args.slice(0, 10) } }] }));
    sse(res, chunk({ tool_calls: [{ index: 0, function: { arguments: args.slice(10) } }] }));
  }
  sse(res, chunk({}, tool ? 'tool_calls' : 'stop'));
  const opts = r.body['stream_options'] as Obj | undefined;
  if (opts?.['include_usage'] === true) sse(res, { ...chunk({}), choices: [], usage });
  sse(res, '[DONE]');
  res.end();
}

function anthropicHandler(r: Recorded, res: ServerResponse): void {
  const model = String(r.body['model']);
  if (model === 'claude-busy') {
    res.writeHead(529, { 'content-type': 'application/json', 'request-id': 'req_busy' });
    res.end(
      JSON.stringify({
        type: 'error',
        error: { type: 'overloaded_error', message: 'Overloaded' },
        request_id: 'req_busy',
      }),
    );
    return;
  }
  const forced = forcedTool(r.body);
  const tool = Array.isArray(r.body['tools']) && r.body['tools'].length > 0;
  const text = tool ? 'Checking.' : nativeJson(r.body) ? JSON.stringify(STRUCTURED) : `echo: ${lastUserText(r.body)}`;
  const usage = { input_tokens: 120, output_tokens: 30, cache_creation_input_tokens: 0, cache_read_input_tokens: 10 };
  const toolUse = {
    type: 'tool_use',
    id: 'toolu_01A09q90qw90lq917835lq9',
    name: forced ?? 'get_weather',
    input: forced !== undefined ? STRUCTURED : TOOL_ARGS,
  };
  const stop = tool ? 'tool_use' : 'end_turn';
  if (r.body['stream'] !== true) {
    res.writeHead(200, { 'content-type': 'application/json' });
    // A forced tool call comes without text before it, as the Messages API does it.
    const content: Obj[] = forced !== undefined ? [] : [{ type: 'text', text }];
    if (tool) content.push(toolUse);
    res.end(
      JSON.stringify({
        id: 'msg_e2e1',
        type: 'message',
        role: 'assistant',
        model,
        content,
        stop_reason: stop,
        stop_sequence: null,
        usage,
      }),
    );
    return;
  }
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  const ev = (data: Obj): void => sse(res, data, String(data['type']));
  ev({
    type: 'message_start',
    message: {
      id: 'msg_e2e2',
      type: 'message',
      role: 'assistant',
      model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: { ...usage, output_tokens: 1 },
    },
  });
  ev({ type: 'ping' });
  if (forced === undefined) {
    ev({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } });
    for (const w of text.split(' '))
      ev({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: `${w} ` } });
    ev({ type: 'content_block_stop', index: 0 });
  }
  if (tool) {
    const i = forced === undefined ? 1 : 0;
    const json = JSON.stringify(toolUse.input);
    ev({ type: 'content_block_start', index: i, content_block: { ...toolUse, input: {} } });
    ev({ type: 'content_block_delta', index: i, delta: { type: 'input_json_delta', partial_json: '' } });
    ev({ type: 'content_block_delta', index: i, delta: { type: 'input_json_delta', partial_json: json.slice(0, 7) } });
    ev({ type: 'content_block_delta', index: i, delta: { type: 'input_json_delta', partial_json: json.slice(7) } });
    ev({ type: 'content_block_stop', index: i });
  }
  ev({ type: 'message_delta', delta: { stop_reason: stop, stop_sequence: null }, usage: { output_tokens: 30 } });
  ev({ type: 'message_stop' });
  res.end();
}

export const startOpenAIUpstream = (): Promise<FakeUpstream> => startUpstream(openaiHandler);
export const startAnthropicUpstream = (): Promise<FakeUpstream> => startUpstream((r, res) => anthropicHandler(r, res));
