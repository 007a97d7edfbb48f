#include "server/router.hpp"

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

boost::asio::awaitable<void> Router::dispatch(Exchange& exchange) const {
  const std::string_view path = exchange.path();
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
