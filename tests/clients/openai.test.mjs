// The OpenAI API of `sluice serve`, driven by the official `openai` npm package.
// Environment: see common.mjs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import {
  baseUrl, model, prompt, maxTokens, expected, noExpected, timeout,
  assertPositive, assertUsage, assertMatchesRun,
} from './common.mjs';

const client = new OpenAI({
  baseURL: `${baseUrl}/v1`,
  apiKey: process.env.SLUICE_API_KEY || 'sk-no-key-needed',
  maxRetries: 0,
  timeout,
});

const messages = [
  { role: 'system', content: 'You are a storyteller.' },
  { role: 'user', content: 'Tell me a story about a cat.' },
];

// Reads an SSE stream from the package into text per choice, finish reasons, usage chunks.
async function collect(stream, kind) {
  const out = { text: {}, finish: {}, usageChunks: [], chunks: 0, ids: new Set(), objects: new Set(), roles: [] };
  let lastHadUsage = false;
  for await (const chunk of stream) {
    out.chunks += 1;
    out.ids.add(chunk.id);
    out.objects.add(chunk.object);
    lastHadUsage = false;
    if (chunk.usage) {
      out.usageChunks.push(chunk);
      lastHadUsage = true;
    }
    for (const choice of chunk.choices ?? []) {
      const piece = kind === 'chat' ? choice.delta?.content : choice.text;
      out.text[choice.index] = (out.text[choice.index] ?? '') + (piece ?? '');
      if (kind === 'chat' && choice.delta?.role) out.roles.push(choice.delta.role);
      if (choice.finish_reason) out.finish[choice.index] = choice.finish_reason;
    }
  }
  out.lastHadUsage = lastHadUsage;
  return out;
}

test('models.list names the served model', { timeout }, async () => {
  const page = await client.models.list();
  assert.ok(Array.isArray(page.data), 'data is an array');
  const entry = page.data.find((m) => m.id === model);
  assert.ok(entry, `${model} is listed (got ${JSON.stringify(page.data.map((m) => m.id))})`);
  assert.equal(entry.object, 'model');
  assert.equal(typeof entry.created, 'number', 'created is a number');
  assert.equal(typeof entry.owned_by, 'string', 'owned_by is a string');
});

test('completions, not streaming, greedy: equals sluice run', { timeout }, async () => {
  const r = await client.completions.create({ model, prompt, max_tokens: maxTokens, temperature: 0 });
  assert.equal(r.object, 'text_completion');
  assert.equal(typeof r.id, 'string');
  assert.equal(r.model, model);
  assert.equal(r.choices.length, 1);
  const c = r.choices[0];
  assert.equal(c.index, 0);
  assert.ok(['stop', 'length'].includes(c.finish_reason), `finish_reason stop|length (got ${c.finish_reason})`);
  assertUsage(r.usage, 'completions');
  assert.ok(r.usage.completion_tokens <= maxTokens, 'completion_tokens <= max_tokens');
  if (c.finish_reason === 'length') assert.equal(r.usage.completion_tokens, maxTokens, 'length: max_tokens generated');
  assertMatchesRun({
    text: c.text, finish: c.finish_reason,
    promptTokens: r.usage.prompt_tokens, tokens: r.usage.completion_tokens,
  }, 'completions');
});

test('completions, not streaming: llama-server-like timings', { timeout }, async () => {
  const r = await client.completions.create({ model, prompt, max_tokens: maxTokens, temperature: 0 });
  const t = r.timings;
  assert.ok(t && typeof t === 'object', `a timings object (got ${JSON.stringify(t)})`);
  assert.equal(t.predicted_n, r.usage.completion_tokens, 'timings.predicted_n = usage.completion_tokens');
  assertPositive(t.predicted_ms, 'timings.predicted_ms');
  assert.equal(typeof t.prompt_n, 'number', 'timings.prompt_n is a number');
  assert.equal(typeof t.prompt_ms, 'number', 'timings.prompt_ms is a number');
});

test('completions, streaming with include_usage: equals sluice run, usage last', { timeout }, async () => {
  const stream = await client.completions.create({
    model, prompt, max_tokens: maxTokens, temperature: 0, stream: true, stream_options: { include_usage: true },
  });
  const s = await collect(stream, 'completions');
  assert.ok(s.chunks >= 2, `several chunks (got ${s.chunks})`);
  assert.equal(s.ids.size, 1, 'one id across chunks');
  assert.deepEqual([...s.objects], ['text_completion'], 'object is text_completion');
  assert.ok(['stop', 'length'].includes(s.finish[0]), `a finish_reason arrives (got ${s.finish[0]})`);
  assert.equal(s.usageChunks.length, 1, 'exactly one chunk carries usage');
  assert.ok(s.lastHadUsage, 'the usage chunk is the last one');
  assert.deepEqual(s.usageChunks[0].choices, [], 'the usage chunk has empty choices');
  const { usage } = s.usageChunks[0];
  assertUsage(usage, 'stream usage');
  assertMatchesRun({
    text: s.text[0], finish: s.finish[0], promptTokens: usage.prompt_tokens, tokens: usage.completion_tokens,
  }, 'completions stream');
});

test('completions, streaming without include_usage: no usage chunk', { timeout }, async () => {
  const stream = await client.completions.create({ model, prompt, max_tokens: 4, temperature: 0, stream: true });
  const s = await collect(stream, 'completions');
  assert.equal(s.usageChunks.length, 0, 'no chunk carries usage');
  assert.ok(s.finish[0], 'a finish_reason arrives');
});

test('chat, not streaming', { timeout }, async () => {
  const r = await client.chat.completions.create({ model, messages, max_tokens: maxTokens, temperature: 0 });
  assert.equal(r.object, 'chat.completion');
  assert.equal(r.model, model);
  assert.equal(r.choices.length, 1);
  const c = r.choices[0];
  assert.equal(c.message.role, 'assistant');
  assert.equal(typeof c.message.content, 'string');
  assert.ok(['stop', 'length'].includes(c.finish_reason), `finish_reason stop|length (got ${c.finish_reason})`);
  assertUsage(r.usage, 'chat');
  assert.ok(r.usage.completion_tokens <= maxTokens, 'completion_tokens <= max_tokens');
  assert.ok(r.usage.prompt_tokens > 8, `the chat template's tokens count as prompt (got ${r.usage.prompt_tokens})`);
});

test('chat, streaming with include_usage: deltas equal the non-streamed greedy reply', { timeout }, async () => {
  const whole = await client.chat.completions.create({ model, messages, max_tokens: maxTokens, temperature: 0 });
  const stream = await client.chat.completions.create({
    model, messages, max_tokens: maxTokens, temperature: 0, stream: true, stream_options: { include_usage: true },
  });
  const s = await collect(stream, 'chat');
  assert.deepEqual([...s.objects], ['chat.completion.chunk'], 'object is chat.completion.chunk');
  assert.equal(s.ids.size, 1, 'one id across chunks');
  assert.ok(s.roles.includes('assistant'), 'a delta names the assistant role');
  assert.equal(s.text[0], whole.choices[0].message.content, 'streamed text = non-streamed text');
  assert.equal(s.finish[0], whole.choices[0].finish_reason, 'same finish_reason');
  assert.equal(s.usageChunks.length, 1, 'exactly one chunk carries usage');
  assert.ok(s.lastHadUsage, 'the usage chunk is the last one');
  assert.deepEqual(s.usageChunks[0].choices, [], 'the usage chunk has empty choices');
  assert.deepEqual(s.usageChunks[0].usage.prompt_tokens, whole.usage.prompt_tokens, 'same prompt_tokens');
  assert.deepEqual(s.usageChunks[0].usage.completion_tokens, whole.usage.completion_tokens, 'same completion_tokens');
});

test('chat: max_completion_tokens limits the reply', { timeout }, async () => {
  const r = await client.chat.completions.create({ model, messages, max_completion_tokens: 3, temperature: 0 });
  assert.ok(r.usage.completion_tokens <= 3, `completion_tokens <= 3 (got ${r.usage.completion_tokens})`);
});

test('completions: a stop string ends the text before it', { timeout }, async () => {
  const base = await client.completions.create({ model, prompt, max_tokens: maxTokens, temperature: 0 });
  const text = base.choices[0].text;
  if (text.length < 8) return; // too short to cut
  const at = Math.floor(text.length / 2);
  const stop = text.slice(at, at + 3);
  const cut = text.slice(0, text.indexOf(stop));
  const r = await client.completions.create({ model, prompt, max_tokens: maxTokens, temperature: 0, stop: [stop] });
  assert.equal(r.choices[0].text, cut, `text ends before ${JSON.stringify(stop)}`);
  assert.equal(r.choices[0].finish_reason, 'stop', 'finish_reason is stop');
  const stream = await client.completions.create({
    model, prompt, max_tokens: maxTokens, temperature: 0, stop, stream: true,
  });
  const s = await collect(stream, 'completions');
  assert.equal(s.text[0], cut, 'streamed: the stop string and what follows are never sent');
  assert.equal(s.finish[0], 'stop');
});

test('completions: the same seed gives the same sampled text', { timeout }, async () => {
  const req = { model, prompt, max_tokens: maxTokens, temperature: 1.0, top_p: 1.0, seed: 1234 };
  const a = await client.completions.create(req);
  const b = await client.completions.create(req);
  assert.equal(a.choices[0].text, b.choices[0].text);
});

test('completions: n=2 at temperature 0 gives two equal choices', { timeout }, async () => {
  const r = await client.completions.create({ model, prompt, max_tokens: maxTokens, temperature: 0, n: 2 });
  assert.equal(r.choices.length, 2, 'two choices');
  assert.deepEqual(r.choices.map((c) => c.index).sort(), [0, 1], 'indexes 0 and 1');
  assert.equal(r.choices[0].text, r.choices[1].text, 'greedy choices are equal');
  if (!noExpected) assert.equal(r.choices[0].text, expected.text, 'and equal sluice run');
  if (expected.tokens !== undefined) {
    assert.equal(r.usage.completion_tokens, 2 * expected.tokens, 'usage.completion_tokens counts both choices');
  }
});

test('completions: logprobs', { timeout }, async () => {
  const r = await client.completions.create({ model, prompt, max_tokens: 8, temperature: 0, logprobs: 2 });
  const lp = r.choices[0].logprobs;
  assert.ok(lp, 'logprobs present');
  assert.equal(lp.tokens.length, r.usage.completion_tokens, 'one token per generated token');
  assert.equal(lp.token_logprobs.length, lp.tokens.length, 'one token_logprob per token');
  assert.equal(lp.tokens.join(''), r.choices[0].text, 'tokens spell the text');
  for (const [i, v] of lp.token_logprobs.entries()) assert.ok(v <= 0, `token_logprobs[${i}] <= 0 (got ${v})`);
  assert.equal(lp.top_logprobs.length, lp.tokens.length, 'top_logprobs per token');
  for (const [i, top] of lp.top_logprobs.entries()) {
    const values = Object.values(top);
    assert.ok(values.length >= 1 && values.length <= 3, `top_logprobs[${i}] has 1..3 entries (2 asked, may add the chosen)`);
    assert.ok(Math.abs(Math.max(...values) - lp.token_logprobs[i]) < 1e-3, `greedy: token ${i} is the most likely`);
  }
});

test('chat: logprobs and top_logprobs', { timeout }, async () => {
  const r = await client.chat.completions.create({
    model, messages, max_tokens: 8, temperature: 0, logprobs: true, top_logprobs: 2,
  });
  const content = r.choices[0].logprobs?.content;
  assert.ok(Array.isArray(content), 'logprobs.content is an array');
  assert.equal(content.length, r.usage.completion_tokens, 'one entry per generated token');
  for (const [i, e] of content.entries()) {
    assert.equal(typeof e.token, 'string', `content[${i}].token is a string`);
    assert.ok(e.logprob <= 0, `content[${i}].logprob <= 0`);
    assert.equal(e.top_logprobs.length, 2, `content[${i}] has 2 top_logprobs`);
    const best = Math.max(...e.top_logprobs.map((t) => t.logprob));
    assert.ok(Math.abs(best - e.logprob) < 1e-3, `greedy: token ${i} is the most likely`);
  }
});

test('an unknown model is a 404 NotFoundError', { timeout }, async () => {
  const check = (err) => {
    assert.ok(err instanceof OpenAI.NotFoundError, `NotFoundError (got ${err?.constructor?.name}: ${err?.message})`);
    assert.equal(err.status, 404);
    assert.match(err.message, /no-such-model/, 'the message names the model');
    return true;
  };
  await assert.rejects(client.chat.completions.create({ model: 'no-such-model', messages, max_tokens: 4 }), check);
  await assert.rejects(client.completions.create({ model: 'no-such-model', prompt, max_tokens: 4 }), check);
  await assert.rejects(
    client.completions.create({ model: 'no-such-model', prompt, max_tokens: 4, stream: true }), check);
});

test('an invalid parameter is a 400 BadRequestError', { timeout }, async () => {
  await assert.rejects(client.completions.create({ model, prompt, max_tokens: -5 }), (err) => {
    assert.ok(err instanceof OpenAI.BadRequestError, `BadRequestError (got ${err?.constructor?.name}: ${err?.message})`);
    assert.equal(err.status, 400);
    assert.match(err.message, /max_tokens/, 'the message names the field');
    return true;
  });
});
