// Endpoints as MCP tools (src/serve/mcp/tools.ts): the schema shaping MCP requires, the
// description fallbacks, and the tool results made from the simple API's envelope.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CompiledChatEndpoint } from '../../src/compile/routing-table.js';
import { toolOf, toolResult } from '../../src/serve/mcp/tools.js';

/** The fields tools.ts reads; the rest of a compiled endpoint plays no part here. */
function endpoint(o: {
  input?: Record<string, unknown>;
  output?: Record<string, unknown>;
  description?: string;
  mcpDescription?: string;
}): CompiledChatEndpoint {
  return {
    name: 'ep-1',
    description: o.description,
    schemaJson: { input: o.input, output: o.output },
    mcp: { expose: true, description: o.mcpDescription },
  } as unknown as CompiledChatEndpoint;
}

test('a tool: the endpoint name, the description fallbacks, {message} without schema.input', () => {
  const plain = toolOf(endpoint({}));
  assert.equal(plain.name, 'ep-1');
  assert.equal(plain.description, "the gw endpoint 'ep-1'");
  assert.deepEqual(plain.inputSchema.required, ['message']);
  assert.equal(plain.outputSchema, undefined);
  assert.equal(toolOf(endpoint({ description: 'd' })).description, 'd');
  assert.equal(toolOf(endpoint({ description: 'd', mcpDescription: 'm' })).description, 'm');
});

test('schemas: type object added to an input schema without it; an output schema that is no object is left out', () => {
  const t = toolOf(endpoint({ input: { required: ['a'] }, output: { type: 'array' } }));
  assert.deepEqual(t.inputSchema, { required: ['a'], type: 'object' });
  assert.equal(t.outputSchema, undefined);
  const o = toolOf(endpoint({ output: { type: 'object', required: ['x'] } }));
  assert.deepEqual(o.outputSchema, { type: 'object', required: ['x'] });
});

test('results: content and structured content (fence dropped); errors with the code; no answer at all', () => {
  const ep = endpoint({ output: { type: 'object' } });
  const ok = toolResult('r1', ep, 200, JSON.stringify({ ok: true, content: '```json\n{"x": 1}\n```', meta: {} }));
  assert.equal(ok.isError, undefined);
  assert.deepEqual(ok.structuredContent, { x: 1 });
  assert.equal(ok._meta?.['gw/request_id'], 'r1');

  const err = toolResult(
    'r2',
    ep,
    429,
    JSON.stringify({ ok: false, error: { code: 'GW_ERR_RATE_LIMITED', message: 'slow down' } }),
  );
  assert.equal(err.isError, true);
  assert.equal(err.content[0]?.text, 'GW_ERR_RATE_LIMITED: slow down');
  assert.deepEqual(err._meta?.['gw/error'], { code: 'GW_ERR_RATE_LIMITED', status: 429, message: 'slow down' });

  // A call cut before it answered (the client went away): still a tool error, never a throw.
  const cut = toolResult('r3', undefined, 0, '');
  assert.equal(cut.isError, true);
  assert.match(cut.content[0]?.text ?? '', /^GW_ERR_INTERNAL: the call ended without an answer \(request id r3\)/);
});
