// One HTTP request and its response on a connection: what a route handler reads and
// how it answers, whole or streamed (chunked), and how it learns that the client went
// away while it waits for the engine. Lives on its connection's strand; not thread-safe.
//
// Coroutine call sites in this folder pass named values, never temporaries built in the
// co_await expression: GCC 12 destroys some of those temporaries twice.
#pragma once

// Boost 1.74's awaitable.hpp uses std::exchange without including <utility>.
#include <utility>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "security/api_key.hpp"
#include "security/rate_limiter.hpp"
#include "server/access_log.hpp"
#include "server/api_error.hpp"
#include "server/connection.hpp"
#include "server/response.hpp"

namespace sluice::server {

struct ServerState;

class Exchange {
 public:
  using HttpRequest = boost::beast::http::request<boost::beast::http::string_body>;

  Exchange(Connection& stream, HttpRequest request, ServerState& state, std::string remote);
  ~Exchange();
  Exchange(const Exchange&) = delete;
  Exchange& operator=(const Exchange&) = delete;

  const HttpRequest& request() const { return request_; }
  std::string_view path() const;  // the target without its query
  const std::string& body() const { return request_.body(); }
  const std::string& request_id() const { return record_.request_id; }
  ServerState& state() { return state_; }
  boost::asio::any_io_executor executor() { return stream_.get_executor(); }
  std::chrono::steady_clock::time_point started() const { return started_; }

  // Which error shape this request's errors take (set by the router).
  ApiFamily family = ApiFamily::openai;

  // Writes a whole response. A failed write marks the client gone.
  boost::asio::awaitable<void> respond(Response response);
  // Starts a chunked response; false when the client is gone.
  boost::asio::awaitable<bool> begin_stream(std::string content_type);
  // One chunk; false (and the client marked gone) when the write fails or times out.
  boost::asio::awaitable<bool> write_chunk(std::string data);
  // The last chunk.
  boost::asio::awaitable<void> end_stream();
  bool responded() const { return responded_; }
  bool streaming() const { return streaming_; }

  // Whether the connection may serve another request after this one.
  bool keep_alive() const;

  // Watches the socket while a handler waits for the engine: when the peer closes or
  // resets the connection, `on_gone` runs (on the strand) once. Also runs on interrupt().
  void watch_disconnect(std::function<void()> on_gone);
  void stop_watching();
  bool client_gone() const { return client_gone_; }
  // The server is stopping: behave as if the client had gone.
  void interrupt();

  AccessRecord& record() { return record_; }

  // Set by the router when authentication is on: the caller's key, and its rate-limit
  // lease (a concurrency slot, and where the request's tokens are charged).
  std::shared_ptr<const security::ApiKey> key;
  std::optional<security::RateLimiter::Lease> lease;
  // Headers every response of this exchange carries (x-ratelimit-*).
  std::vector<std::pair<std::string, std::string>> extra_headers;
  // The caller's tenant; "" when authentication is off.
  const std::string& tenant() const;

 private:
  struct Watch;
  void arm_watch();
  void mark_gone();
  void fill_head(boost::beast::http::fields& fields, const std::string& content_type,
                 const std::vector<std::pair<std::string, std::string>>& extra) const;

  Connection& stream_;
  HttpRequest request_;
  ServerState& state_;
  std::chrono::steady_clock::time_point started_;
  AccessRecord record_;
  bool responded_ = false;
  bool streaming_ = false;
  bool client_gone_ = false;
  std::shared_ptr<Watch> watch_;
  std::function<void()> on_gone_;
};

}  // namespace sluice::server
