#include "server/router.hpp"

#include <algorithm>
#include <cmath>

#include "server/exchange.hpp"
#include "server/server_state.hpp"

namespace sluice::server {

namespace http = boost::beast::http;

ApiFamily family_for_path(std::string_view path) {
  return path.substr(0, 5) == "/api/" ? ApiFamily::ollama : ApiFamily::openai;
}

void Router::add(Route route) {
  routes_.push_back(std::move(route));
}

namespace {

// The caller's key, admin rights and rate limits; nullopt when the request may go on,
// else the error it gets. Runs before any body is parsed or tokenized.
std::optional<Response> check_access(Exchange& exchange, ApiFamily family) {
  auto& access = exchange.state().access;
  const std::string_view path = exchange.path();
  if (access.is_open(path)) return std::nullopt;
  exchange.key = access.authenticate(exchange.request());
  if (!exchange.key) {
    Response r =
        error_response(family, ApiError(401,
                                        "a valid API key is required (Authorization: Bearer KEY or "
                                        "X-Api-Key: KEY)"));
    r.headers.emplace_back("WWW-Authenticate", "Bearer");
    return r;
  }
  exchange.record().tenant = exchange.key->tenant;
  if (AccessControl::is_admin_route(path)) {
    if (!exchange.key->admin)
      return error_response(family, ApiError(403, "this route needs an admin key"));
    return std::nullopt;
  }
  auto admitted = access.limiter().admit(*exchange.key);
  if (auto* rejection = std::get_if<security::RateLimiter::Rejection>(&admitted)) {
    const auto quota = access.limiter().quota(*exchange.key);
    const auto seconds = static_cast<uint32_t>(std::ceil(std::max(1e-3, rejection->retry_after_s)));
    Response r =
        error_response(family, ApiError(429, "rate limit exceeded: " + rejection->limit +
                                                 " of key '" + exchange.key->id +
                                                 "'; retry after " + std::to_string(seconds) + " s")
                                   .with_retry_after(seconds));
    for (auto& header : rate_limit_headers(quota)) r.headers.push_back(std::move(header));
    exchange.state().http_metrics.rate_limited(exchange.key->tenant, rejection->limit);
    return r;
  }
  exchange.lease.emplace(std::move(std::get<security::RateLimiter::Lease>(admitted)));
  exchange.extra_headers = rate_limit_headers(exchange.lease->quota());
  return std::nullopt;
}

}  // namespace

boost::asio::awaitable<void> Router::dispatch(Exchange& exchange) const {
  const std::string_view path = exchange.path();
  if (auto refused = check_access(exchange, family_for_path(path))) {
    exchange.family = family_for_path(path);
    Response response = std::move(*refused);
    co_await exchange.respond(std::move(response));
    co_return;
  }
  const Route* match = nullptr;
  std::string allowed;
  for (const auto& route : routes_) {
    if (route.path != path) continue;
    if (route.method == exchange.request().method()) {
      match = &route;
      break;
    }
    if (!allowed.empty()) allowed += ", ";
    allowed += std::string(http::to_string(route.method));
  }
  if (!match) {
    exchange.family = family_for_path(path);
    if (!allowed.empty()) {
      Response r = error_response(exchange.family, ApiError(405, "method not allowed"));
      r.headers.emplace_back("Allow", allowed);
      exchange.record().route = std::string(path);
      co_await exchange.respond(std::move(r));
    } else {
      Response response =
          error_response(exchange.family, ApiError(404, "no route for " + std::string(path)));
      co_await exchange.respond(std::move(response));
    }
    co_return;
  }

  exchange.family = match->family;
  exchange.record().route = match->path;
  auto& state = exchange.state();
  if (match->refused_while_draining && (state.draining.load() || state.stopping.load())) {
    Response response = error_response(match->family, ApiError(503, "the server is shutting down"));
    co_await exchange.respond(std::move(response));
    co_return;
  }

  std::optional<ApiError> error;
  try {
    co_await match->handler(exchange);
  } catch (const ApiError& e) {
    error = e;
  } catch (const std::exception& e) {
    state.log->error("request {} ({} {}): {}", exchange.request_id(), match->path,
                     exchange.record().model, e.what());
    error = ApiError(500, std::string("internal error: ") + e.what());
  }
  if (error) {
    if (!exchange.responded()) {
      Response response = error_response(match->family, *error);
      co_await exchange.respond(std::move(response));
    } else {
      state.log->error("request {}: error after the response began: {}", exchange.request_id(),
                       error->what());
    }
  }
}

}  // namespace sluice::server
