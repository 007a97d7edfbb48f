// The Ollama API of `sluice serve`, driven by the official `ollama` npm package.
// Environment: see common.mjs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Ollama } from 'ollama';
import OpenAI from 'openai';
import {
  baseUrl, model, prompt, maxTokens, timeout, assertPositive, assertMatchesRun,
} from './common.mjs';

const ollama = new Ollama({ host: baseUrl });
const greedy = { temperature: 0, num_predict: maxTokens };
const messages = [{ role: 'user', content: 'Tell me a story about a cat.' }];

// The final object of a generation: done, the reason and Ollama's counts and durations (ns).
function assertFinal(r, what) {
  assert.equal(r.done, true, `${what}: done is true`);
  assert.ok(['stop', 'length'].includes(r.done_reason), `${what}: done_reason stop|length (got ${r.done_reason})`);
  assert.equal(r.model, model, `${what}: model`);
  assert.equal(typeof r.created_at, 'string', `${what}: created_at is a string`);
  assert.ok(!Number.isNaN(Date.parse(r.created_at)), `${what}: created_at is a date (got ${r.created_at})`);
  assertPositive(r.total_duration, `${what}: total_duration`);
  assert.equal(typeof r.load_duration, 'number', `${what}: load_duration is a number`);
  assert.ok(r.load_duration >= 0, `${what}: load_duration >= 0`);
  assertPositive(r.prompt_eval_count, `${what}: prompt_eval_count`);
  assertPositive(r.prompt_eval_duration, `${what}: prompt_eval_duration`);
  assertPositive(r.eval_count, `${what}: eval_count`);
  assertPositive(r.eval_duration, `${what}: eval_duration`);
  assert.ok(r.eval_count <= maxTokens, `${what}: eval_count <= num_predict`);
  assert.ok(r.total_duration >= r.eval_duration, `${what}: total_duration >= eval_duration`);
  // Durations are nanoseconds: a generation of a few tokens takes more than 1000 ns.
  assert.ok(r.total_duration > 1000, `${what}: total_duration is in ns (got ${r.total_duration})`);
}

async function drain(iterator, kind) {
  const chunks = [];
  for await (const part of iterator) chunks.push(part);
  assert.ok(chunks.length >= 2, `several chunks (got ${chunks.length})`);
  const text = chunks.map((c) => (kind === 'chat' ? c.message?.content ?? '' : c.response ?? '')).join('');
  const last = chunks[chunks.length - 1];
  for (const c of chunks.slice(0, -1)) assert.equal(c.done, false, 'only the last chunk is done');
  return { chunks, text, last };
}

test('version()', { timeout }, async () => {
  const v = await ollama.version();
  assert.equal(typeof v.version, 'string');
  assert.ok(v.version.length > 0, 'a version string');
});

test('list() names the served model', { timeout }, async () => {
  const r = await ollama.list();
  assert.ok(Array.isArray(r.models), 'models is an array');
  const m = r.models.find((x) => x.name === model || x.name === `${model}:latest`);
  assert.ok(m, `${model} is listed (got ${JSON.stringify(r.models.map((x) => x.name))})`);
  assert.equal(typeof m.model, 'string', 'model is a string');
  assertPositive(m.size, 'size');
  assert.equal(typeof m.digest, 'string', 'digest is a string');
  assert.ok(!Number.isNaN(Date.parse(m.modified_at)), `modified_at is a date (got ${m.modified_at})`);
  assert.equal(m.details?.format, 'gguf', 'details.format is gguf');
  assert.equal(m.details?.family, 'llama', 'details.family is llama');
});

test('show() describes the model', { timeout }, async () => {
  const r = await ollama.show({ model });
  assert.equal(r.details?.format, 'gguf', 'details.format is gguf');
  assert.equal(r.details?.family, 'llama', 'details.family is llama');
  assert.ok(r.model_info && typeof r.model_info === 'object', 'model_info is an object');
  assert.equal(r.model_info['general.architecture'], 'llama', "model_info['general.architecture']");
});

test('ps() lists the loaded model', { timeout }, async () => {
  const r = await ollama.ps();
  assert.ok(Array.isArray(r.models), 'models is an array');
  const m = r.models.find((x) => x.name === model || x.name === `${model}:latest`);
  assert.ok(m, `${model} is running (got ${JSON.stringify(r.models.map((x) => x.name))})`);
  assertPositive(m.size, 'size');
});

test('generate, not streaming, raw, greedy: equals sluice run', { timeout }, async () => {
  const r = await ollama.generate({ model, prompt, raw: true, stream: false, options: greedy });
  assert.equal(typeof r.response, 'string');
  assertFinal(r, 'generate');
  assertMatchesRun({
    text: r.response, finish: r.done_reason, promptTokens: r.prompt_eval_count, tokens: r.eval_count,
  }, 'generate');
});

test('generate, streaming, raw, greedy: equals sluice run', { timeout }, async () => {
  const s = await drain(await ollama.generate({ model, prompt, raw: true, stream: true, options: greedy }), 'generate');
  assertFinal(s.last, 'generate stream');
  assertMatchesRun({
    text: s.text, finish: s.last.done_reason, promptTokens: s.last.prompt_eval_count, tokens: s.last.eval_count,
  }, 'generate stream');
});

test('generate with the template (not raw) answers', { timeout }, async () => {
  const r = await ollama.generate({ model, prompt: 'Tell me a story.', stream: false, options: greedy });
  assert.equal(typeof r.response, 'string');
  assertFinal(r, 'generate templated');
});

test('chat, not streaming', { timeout }, async () => {
  const r = await ollama.chat({ model, messages, stream: false, options: greedy });
  assert.equal(r.message?.role, 'assistant');
  assert.equal(typeof r.message?.content, 'string');
  assertFinal(r, 'chat');
});

test('chat, streaming: the chunks add up to the non-streamed greedy reply', { timeout }, async () => {
  const whole = await ollama.chat({ model, messages, stream: false, options: greedy });
  const s = await drain(await ollama.chat({ model, messages, stream: true, options: greedy }), 'chat');
  for (const c of s.chunks) assert.equal(c.message?.role, 'assistant', 'every chunk is the assistant\'s');
  assertFinal(s.last, 'chat stream');
  assert.equal(s.text, whole.message.content, 'streamed text = non-streamed text');
  assert.equal(s.last.eval_count, whole.eval_count, 'same eval_count');
  // prompt_eval_count counts tokens evaluated: the repeat finds its prompt in the prefix cache.
  assert.ok(s.last.prompt_eval_count > 0 && s.last.prompt_eval_count <= whole.prompt_eval_count,
    'the repeated prompt evaluates no more tokens than the first');
});

test('chat: Ollama and OpenAI routes render the same conversation alike', { timeout }, async () => {
  const openai = new OpenAI({ baseURL: `${baseUrl}/v1`, apiKey: 'sk-no-key-needed', maxRetries: 0, timeout });
  const a = await ollama.chat({ model, messages, stream: false, options: greedy });
  const b = await openai.chat.completions.create({ model, messages, max_tokens: maxTokens, temperature: 0 });
  assert.equal(a.message.content, b.choices[0].message.content, 'same greedy reply');
  // usage.prompt_tokens counts the whole prompt; prompt_eval_count only what was evaluated
  // (the rest came from the prefix cache, which OpenAI reports as cached_tokens).
  const cached = b.usage.prompt_tokens_details?.cached_tokens ?? 0;
  assert.ok(a.prompt_eval_count > 0 && a.prompt_eval_count <= b.usage.prompt_tokens,
    'prompt_eval_count within the prompt');
  assert.ok(cached > 0, 'the repeated conversation is served from the prefix cache');
});

test('generate: options.stop ends the text before it', { timeout }, async () => {
  const base = await ollama.generate({ model, prompt, raw: true, stream: false, options: greedy });
  const text = base.response;
  if (text.length < 8) return;
  const at = Math.floor(text.length / 2);
  const stop = text.slice(at, at + 3);
  const r = await ollama.generate({ model, prompt, raw: true, stream: false, options: { ...greedy, stop: [stop] } });
  assert.equal(r.response, text.slice(0, text.indexOf(stop)));
  assert.equal(r.done_reason, 'stop');
});

test('an unknown model is a 404 ResponseError', { timeout }, async () => {
  const check = (err) => {
    assert.equal(err.name, 'ResponseError', `ResponseError (got ${err?.name}: ${err?.message})`);
    assert.equal(err.status_code, 404);
    assert.match(err.error, /no-such-model/, 'the message names the model');
    return true;
  };
  await assert.rejects(ollama.generate({ model: 'no-such-model', prompt, stream: false }), check);
  await assert.rejects(ollama.chat({ model: 'no-such-model', messages, stream: true }), check);
  await assert.rejects(ollama.show({ model: 'no-such-model' }), check);
});

