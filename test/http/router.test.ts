// The shared router (src/http/router.ts): fixed routes, /endpoints/{name} scoping, `{name}`
// parameters, a trailing `*` wildcard, HEAD answered by GET, and 405 with the allowed methods.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Router, type MatchResult } from '../../src/http/router.js';

function found<T>(m: MatchResult<T>): Extract<MatchResult<T>, { kind: 'found' }> {
  assert.equal(m.kind, 'found', JSON.stringify(m));
  return m as Extract<MatchResult<T>, { kind: 'found' }>;
}

test('fixed routes: exact path, query ignored, HEAD falls back to GET, 405 lists the methods', () => {
  const r = new Router<string>().add('GET', '/healthz', 'health').add('POST', '/v1/chat/completions', 'chat');
  const m = found(r.match('GET', '/healthz?x=1'));
  assert.equal(m.value, 'health');
  assert.deepEqual(m.params, {});
  assert.equal(m.rest, '');
  assert.equal(m.endpointScope, undefined);
  assert.equal(found(r.match('HEAD', '/healthz')).value, 'health');
  assert.deepEqual(r.match('GET', '/v1/chat/completions'), { kind: 'method-not-allowed', allow: ['POST'] });
  assert.deepEqual(r.match('GET', '/nope'), { kind: 'not-found' });
  assert.deepEqual(r.match('GET', '/healthz/'), { kind: 'not-found' });
});

test('scopable routes also answer under /endpoints/{name}, the name decoded', () => {
  const r = new Router<string>()
    .add('POST', '/v1/chat/completions', 'chat', { scopable: true })
    .add('GET', '/healthz', 'health');
  const m = found(r.match('POST', '/endpoints/my%20ep/v1/chat/completions'));
  assert.equal(m.value, 'chat');
  assert.equal(m.endpointScope, 'my ep');
  assert.deepEqual(r.match('GET', '/endpoints/x/healthz'), { kind: 'not-found' });
  assert.deepEqual(r.match('GET', '/endpoints/x/v1/chat/completions'), { kind: 'method-not-allowed', allow: ['POST'] });
});

test('{name} segments capture one non-empty segment each, decoded', () => {
  const r = new Router<string>()
    .add('POST', '/api/{workspace}/{endpoint}', 'simple')
    .add('GET', '/api/{workspace}/endpoints', 'list');
  const m = found(r.match('POST', '/api/team-a/summ%C3%A4ry?stream=1'));
  assert.equal(m.value, 'simple');
  assert.deepEqual(m.params, { workspace: 'team-a', endpoint: 'summäry' });
  assert.equal(m.rest, '');
  // Registration order: the GET of the literal route is found past the POST-only pattern.
  const l = found(r.match('GET', '/api/team-a/endpoints'));
  assert.equal(l.value, 'list');
  assert.deepEqual(l.params, { workspace: 'team-a' });
  assert.deepEqual(r.match('POST', '/api/team-a'), { kind: 'not-found' });
  assert.deepEqual(r.match('POST', '/api//x'), { kind: 'not-found' });
  assert.deepEqual(r.match('POST', '/api/a/b/c'), { kind: 'not-found' });
  // A malformed escape is kept as sent.
  assert.deepEqual(found(r.match('POST', '/api/a/%zz')).params, { workspace: 'a', endpoint: '%zz' });
});

test('a trailing * captures the rest of the path, as sent and without the query', () => {
  const r = new Router<string>().add('POST', '/proxy/{provider}/{endpoint}/*', 'proxy');
  const m = found(r.match('POST', '/proxy/openai/chat/v1/chat/completions?x=1'));
  assert.equal(m.value, 'proxy');
  assert.deepEqual(m.params, { provider: 'openai', endpoint: 'chat' });
  assert.equal(m.rest, 'v1/chat/completions');
  assert.equal(found(r.match('POST', '/proxy/openai/chat/a%2Fb/')).rest, 'a%2Fb/');
  assert.equal(found(r.match('POST', '/proxy/openai/chat/')).rest, '');
  assert.equal(found(r.match('POST', '/proxy/openai/chat')).rest, '');
  assert.deepEqual(r.match('POST', '/proxy/openai'), { kind: 'not-found' });
});

test('405 on a pattern lists every method the path has; fixed routes win over patterns', () => {
  const r = new Router<string>()
    .add('POST', '/proxy/{provider}/*', 'post')
    .add('PUT', '/proxy/{provider}/*', 'put')
    .add('GET', '/proxy/{provider}/health', 'fixed-looking pattern')
    .add('GET', '/proxy/status', 'fixed');
  assert.deepEqual(r.match('DELETE', '/proxy/a/b'), { kind: 'method-not-allowed', allow: ['POST', 'PUT'] });
  assert.deepEqual(r.match('DELETE', '/proxy/a/health'), { kind: 'method-not-allowed', allow: ['POST', 'PUT', 'GET'] });
  assert.equal(found(r.match('GET', '/proxy/a/health')).value, 'fixed-looking pattern');
  assert.equal(found(r.match('GET', '/proxy/status')).value, 'fixed');
  // A fixed path decides on its own: its methods, not the patterns'.
  assert.deepEqual(r.match('PUT', '/proxy/status'), { kind: 'method-not-allowed', allow: ['GET'] });
});

test('bad registrations are refused', () => {
  assert.throws(() => new Router<string>().add('GET', '/a', 'x').add('GET', '/a', 'y'), /registered twice/);
  assert.throws(() => new Router<string>().add('GET', '/a/{x}', 'x').add('GET', '/a/{x}', 'y'), /registered twice/);
  assert.throws(() => new Router<string>().add('GET', '/a/{x}/{x}', 'x'), /appears twice/);
  assert.throws(() => new Router<string>().add('GET', '/a/b{x}', 'x'), /neither a literal/);
  assert.throws(() => new Router<string>().add('GET', '/a/*/b', 'x'), /neither a literal/);
  assert.throws(() => new Router<string>().add('GET', '/a/{x}', 'x', { scopable: true }), /cannot be scopable/);
  assert.throws(() => new Router<string>().add('GET', 'a', 'x'), /must start with/);
});
