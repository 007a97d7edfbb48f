// One client connection: reads requests (HTTP/1.1, keep-alive) within the head, body
// and idle limits, hands each to the router as an Exchange, and writes the access log
// line and the HTTP metrics when it is answered. Runs as a coroutine on its own strand.
#pragma once

// Boost 1.74's awaitable.hpp uses std::exchange without including <utility>.
#include <utility>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include <functional>
#include <memory>
#include <mutex>
#include <unordered_map>
#include "server/connection.hpp"

namespace sluice::server {

class Exchange;
class Router;
struct ServerState;
class SessionSet;

class HttpSession : public std::enable_shared_from_this<HttpSession> {
 public:
  // `tls` null: plain HTTP; else the connection starts with a TLS handshake.
  HttpSession(boost::asio::ip::tcp::socket socket, boost::asio::ssl::context* tls,
              ServerState& state, const Router& router, SessionSet& sessions);
  ~HttpSession();

  // Starts serving on the socket's strand.
  static void start(std::shared_ptr<HttpSession> session);
  // Thread-safe: interrupts the request in progress and closes the connection.
  void abort();

 private:
  boost::asio::awaitable<void> serve();
  boost::asio::awaitable<void> answer_read_error(boost::beast::error_code ec,
                                                 const std::string& path);
  boost::asio::awaitable<void> linger_close();
  void finish_exchange(Exchange& exchange);

  Connection stream_;
  ServerState& state_;
  const Router& router_;
  SessionSet& sessions_;
  std::string remote_;
  Exchange* current_ = nullptr;  // the request being handled (strand only)
};

// The open connections of a server, so that stop() can close them all.
class SessionSet {
 public:
  void add(const std::shared_ptr<HttpSession>& session);
  void remove(HttpSession* session);
  void abort_all();
  size_t size() const;
  // Called (from the thread closing the last one) whenever the set becomes empty.
  void on_empty(std::function<void()> callback);

 private:
  mutable std::mutex mutex_;
  std::unordered_map<HttpSession*, std::weak_ptr<HttpSession>> sessions_;
  std::function<void()> on_empty_;
};

}  // namespace sluice::server
