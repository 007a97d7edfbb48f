// Batching invariance end to end: many greedy requests at once, each batched with the
// others by the engine, must each give exactly what `sluice run` gives for it alone.
// SLUICE_BATCH_FILE: JSON [{prompt, max_tokens, text, tokens, finish_reason}] written by
// run_client_tests.sh from `sluice run --temp 0 --json`. Environment: see common.mjs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import OpenAI from 'openai';
import { baseUrl, model, batchFile, timeout } from './common.mjs';

const cases = batchFile ? JSON.parse(readFileSync(batchFile, 'utf8')) : [];
const client = new OpenAI({ baseURL: `${baseUrl}/v1`, apiKey: 'sk-no-key-needed', maxRetries: 0, timeout });

// Half the requests stream and half do not, so both paths share the batch.
async function complete(c, i) {
  const req = { model, prompt: c.prompt, max_tokens: c.max_tokens, temperature: 0 };
  if (i % 2 === 0) {
    const r = await client.completions.create(req);
    return { text: r.choices[0].text, finish: r.choices[0].finish_reason, tokens: r.usage.completion_tokens };
  }
  const stream = await client.completions.create({ ...req, stream: true, stream_options: { include_usage: true } });
  let text = '';
  let finish;
  let tokens;
  for await (const chunk of stream) {
    for (const ch of chunk.choices ?? []) {
      text += ch.text ?? '';
      if (ch.finish_reason) finish = ch.finish_reason;
    }
    if (chunk.usage) tokens = chunk.usage.completion_tokens;
  }
  return { text, finish, tokens };
}

test(`${cases.length} concurrent greedy requests each equal sluice run`,
  { timeout, skip: cases.length === 0 && 'SLUICE_BATCH_FILE is not set' }, async () => {
    const results = await Promise.allSettled(cases.map((c, i) => complete(c, i)));
    const problems = [];
    results.forEach((r, i) => {
      const c = cases[i];
      const label = `#${i} ${JSON.stringify(c.prompt)} (${i % 2 === 0 ? 'plain' : 'streamed'})`;
      if (r.status === 'rejected') {
        problems.push(`${label}: request failed: ${r.reason?.message ?? r.reason}`);
        return;
      }
      const got = r.value;
      if (got.text !== c.text) {
        problems.push(`${label}: text differs\n    sluice run: ${JSON.stringify(c.text)}\n    server:     ${JSON.stringify(got.text)}`);
      }
      if (got.finish !== c.finish_reason) problems.push(`${label}: finish_reason ${got.finish}, sluice run ${c.finish_reason}`);
      if (got.tokens !== c.tokens) problems.push(`${label}: completion_tokens ${got.tokens}, sluice run ${c.tokens}`);
    });
    assert.equal(problems.length, 0, `${problems.length} of ${cases.length} differ:\n  ${problems.join('\n  ')}`);
  });
