#include "server/admin_routes.hpp"

#include "server/exchange.hpp"
#include "server/guarded_generation.hpp"
#include "server/prompt_builder.hpp"
#include "server/server_state.hpp"
#include "tokenizer/utf8.hpp"

namespace sluice::server {
namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;

// Plain functions build the responses: GCC 12 miscompiles braced JSON initialisers inside
// coroutines ("array used as initializer").
Response status_response(const char* status, unsigned code) {
  Json body = Json::object();
  body["status"] = status;
  return json_response(body, code);
}

Response health_response(const ServerState& state) {
  return state.ready.load() ? status_response("ok", 200) : status_response("loading", 503);
}

Response ready_response(const ServerState& state) {
  if (state.draining.load() || state.stopping.load()) return status_response("draining", 503);
  if (!state.ready.load()) return status_response("loading", 503);
  return status_response("ready", 200);
}

Response tokenize_response(Exchange& ex) {
  const TokenizeRequest req = parse_tokenize(parse_json_body(ex.body()));
  auto model = resolve_model(ex, req.model);
  const auto& tok = *model->tokenizer;
  const auto ids = tok.encode(req.content, req.add_special, req.parse_special);
  Json tokens = Json::array();
  for (int32_t id : ids) {
    if (!req.with_pieces) {
      tokens.push_back(id);
      continue;
    }
    // llama-server: the piece as a string, or as its bytes when not valid UTF-8 alone.
    const std::string piece = tok.token_to_piece(id);
    Json entry = {{"id", id}};
    if (tokenizer::utf8::is_valid(piece)) {
      entry["piece"] = piece;
    } else {
      Json bytes = Json::array();
      for (unsigned char c : piece) bytes.push_back(static_cast<int>(c));
      entry["piece"] = std::move(bytes);
    }
    tokens.push_back(std::move(entry));
  }
  return json_response(Json{{"tokens", std::move(tokens)}});
}

Response detokenize_response(Exchange& ex) {
  const DetokenizeRequest req = parse_detokenize(parse_json_body(ex.body()));
  auto model = resolve_model(ex, req.model);
  check_token_ids(*model, req.tokens, "tokens");
  return json_response(Json{{"content", model->tokenizer->detokenize(req.tokens)}});
}

asio::awaitable<void> health(Exchange& ex) {
  Response response = health_response(ex.state());
  co_await ex.respond(std::move(response));
}

asio::awaitable<void> ready(Exchange& ex) {
  Response response = ready_response(ex.state());
  co_await ex.respond(std::move(response));
}

asio::awaitable<void> tokenize(Exchange& ex) {
  Response response = tokenize_response(ex);
  co_await ex.respond(std::move(response));
}

asio::awaitable<void> detokenize(Exchange& ex) {
  Response response = detokenize_response(ex);
  co_await ex.respond(std::move(response));
}

asio::awaitable<void> metrics(Exchange& ex) {
  Response response{
      200, "text/plain; version=0.0.4; charset=utf-8", ex.state().metrics.render_prometheus(), {}};
  co_await ex.respond(std::move(response));
}

Json plugins_json(const ServerState& state) {
  Json out = Json::object();
  out["plugins"] = state.plugins_report ? Json(state.plugins_report()) : Json::array();
  Json chain = Json::array();
  for (const auto& g : state.guardrails()->entries()) chain.push_back(g->name());
  out["guardrails"] = std::move(chain);
  return out;
}

Json tenants_json(ServerState& state) {
  Json tenants = Json::array();
  for (const auto& usage : state.access.limiter().usage()) {
    Json t = Json::object();
    t["tenant"] = usage.tenant;
    t["requests"] = usage.requests;
    t["rejected"] = usage.rejected;
    t["tokens"] = usage.tokens;
    t["active"] = usage.active;
    t["requests_last_minute"] = usage.requests_last_minute;
    t["tokens_last_minute"] = usage.tokens_last_minute;
    tenants.push_back(std::move(t));
  }
  Json out = Json::object();
  out["authentication"] = state.access.enabled();
  out["keys"] = state.access.key_count();
  out["tenants"] = std::move(tenants);
  return out;
}

Response reload_response(ServerState& state) {
  if (!state.reload) throw ApiError(501, "this server cannot reload its configuration");
  std::string what;
  try {
    what = state.reload();
  } catch (const std::exception& e) {
    // The old configuration stays in force.
    throw ApiError(400, std::string("reload failed, nothing changed: ") + e.what());
  }
  Json out = Json::object();
  out["status"] = "reloaded";
  out["detail"] = what;
  return json_response(out);
}

asio::awaitable<void> admin_plugins(Exchange& ex) {
  Response response = json_response(plugins_json(ex.state()));
  co_await ex.respond(std::move(response));
}

asio::awaitable<void> admin_tenants(Exchange& ex) {
  Response response = json_response(tenants_json(ex.state()));
  co_await ex.respond(std::move(response));
}

asio::awaitable<void> admin_reload(Exchange& ex) {
  Response response = reload_response(ex.state());
  co_await ex.respond(std::move(response));
}

asio::awaitable<void> root(Exchange& ex) {
  Response response{200, "text/plain; charset=utf-8", "Sluice is running\n", {}};
  co_await ex.respond(std::move(response));
}

}  // namespace

void add_admin_routes(Router& router) {
  router.add({http::verb::get, "/health", ApiFamily::plain, false, health});
  router.add({http::verb::get, "/ready", ApiFamily::plain, false, ready});
  router.add({http::verb::get, "/metrics", ApiFamily::plain, false, metrics});
  router.add({http::verb::post, "/tokenize", ApiFamily::openai, true, tokenize});
  router.add({http::verb::post, "/detokenize", ApiFamily::openai, true, detokenize});
  router.add({http::verb::get, "/", ApiFamily::plain, false, root});
  router.add({http::verb::get, "/admin/plugins", ApiFamily::openai, false, admin_plugins});
  router.add({http::verb::get, "/admin/tenants", ApiFamily::openai, false, admin_tenants});
  router.add({http::verb::post, "/admin/reload", ApiFamily::openai, false, admin_reload});
}

}  // namespace sluice::server
