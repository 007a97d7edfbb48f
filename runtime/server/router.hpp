// Method + path -> handler. Answers 404/405 itself, refuses serving routes with 503
// while the server drains, and turns an ApiError (or any other exception) thrown by a
// handler before it answered into an error response in the route's family shape.
#pragma once

// Boost 1.74's awaitable.hpp uses std::exchange without including <utility>.
#include <utility>

#include <boost/asio/awaitable.hpp>
#include <boost/beast/http/verb.hpp>
#include <functional>
#include <string>
#include <vector>

#include "server/api_error.hpp"

namespace sluice::server {

class Exchange;

using Handler = std::function<boost::asio::awaitable<void>(Exchange&)>;

struct Route {
  boost::beast::http::verb method;
  std::string path;
  ApiFamily family;
  bool refused_while_draining;  // generation and tokenizer routes; not health or metrics
  Handler handler;
};

class Router {
 public:
  void add(Route route);
  boost::asio::awaitable<void> dispatch(Exchange& exchange) const;

 private:
  std::vector<Route> routes_;
};

// The family whose error shape a path gets when no route matches it.
ApiFamily family_for_path(std::string_view path);

}  // namespace sluice::server
