// What every client test reads from the environment (run_client_tests.sh sets it all):
//   SLUICE_URL                      base URL of the server, e.g. http://127.0.0.1:8080 (required)
//   SLUICE_MODEL                    model name the server serves (required)
//   SLUICE_PROMPT                   prompt of the greedy checks (default "Once upon a time")
//   SLUICE_MAX_TOKENS               max_tokens / num_predict of the greedy checks (default 24)
//   SLUICE_EXPECTED_TEXT            `sluice run -p PROMPT -n MAX_TOKENS --temp 0 --json`'s "text";
//                                   when unset, the comparisons with it are skipped
//   SLUICE_EXPECTED_PROMPT_TOKENS   its prompt token count (optional)
//   SLUICE_EXPECTED_TOKENS          its generated token count (optional)
//   SLUICE_EXPECTED_FINISH          its finish_reason (optional)
//   SLUICE_BATCH_FILE               JSON [{prompt, max_tokens, text, tokens, finish_reason}] for
//                                   the batching test (optional: skipped when unset)
import assert from 'node:assert/strict';

function required(name) {
  const v = process.env[name];
  if (!v) {
    console.error(`${name} is not set (see tests/clients/common.mjs)`);
    process.exit(2);
  }
  return v;
}

function optionalInt(name) {
  const v = process.env[name];
  return v === undefined || v === '' ? undefined : Number.parseInt(v, 10);
}

export const baseUrl = required('SLUICE_URL').replace(/\/+$/, '');
export const model = required('SLUICE_MODEL');
export const prompt = process.env.SLUICE_PROMPT ?? 'Once upon a time';
export const maxTokens = optionalInt('SLUICE_MAX_TOKENS') ?? 24;
export const expected = {
  text: process.env.SLUICE_EXPECTED_TEXT,
  promptTokens: optionalInt('SLUICE_EXPECTED_PROMPT_TOKENS'),
  tokens: optionalInt('SLUICE_EXPECTED_TOKENS'),
  finish: process.env.SLUICE_EXPECTED_FINISH || undefined,
};
export const batchFile = process.env.SLUICE_BATCH_FILE || undefined;
export const timeout = 120_000; // per test, ms

// Skip message for comparisons that need `sluice run`'s output.
export const noExpected = expected.text === undefined ? 'SLUICE_EXPECTED_TEXT is not set' : false;

// Durations, counts: a finite number above zero.
export function assertPositive(value, what) {
  assert.equal(typeof value, 'number', `${what} is a number (got ${JSON.stringify(value)})`);
  assert.ok(Number.isFinite(value) && value > 0, `${what} > 0 (got ${value})`);
}

export function assertUsage(usage, what) {
  assert.ok(usage, `${what}: usage is present`);
  assertPositive(usage.prompt_tokens, `${what}: usage.prompt_tokens`);
  assert.equal(typeof usage.completion_tokens, 'number', `${what}: usage.completion_tokens is a number`);
  assert.equal(usage.total_tokens, usage.prompt_tokens + usage.completion_tokens,
    `${what}: usage.total_tokens = prompt_tokens + completion_tokens`);
}

// Checks counts and the finish reason against `sluice run` where they are known.
export function assertMatchesRun(got, what) {
  if (expected.text !== undefined) {
    assert.equal(got.text, expected.text, `${what}: greedy text equals sluice run's`);
  }
  if (expected.finish !== undefined && got.finish !== undefined) {
    assert.equal(got.finish, expected.finish, `${what}: finish reason equals sluice run's`);
  }
  if (expected.promptTokens !== undefined && got.promptTokens !== undefined) {
    assert.equal(got.promptTokens, expected.promptTokens, `${what}: prompt token count equals sluice run's`);
  }
  if (expected.tokens !== undefined && got.tokens !== undefined) {
    assert.equal(got.tokens, expected.tokens, `${what}: generated token count equals sluice run's`);
  }
}
