#include "server/http_session.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include "server/exchange.hpp"
#include "server/router.hpp"
#include "server/server_state.hpp"

namespace sluice::server {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::ip::tcp;

namespace {

constexpr auto kLingerTime = std::chrono::seconds(2);
constexpr size_t kLingerMaxBytes = 64u << 20;

// Errors that mean the peer went away or went quiet: close without an answer.
bool is_disconnect(const beast::error_code& ec) {
  return ec == http::error::end_of_stream || ec == asio::error::eof ||
         ec == beast::error::timeout || ec == asio::error::operation_aborted ||
         ec == asio::error::connection_reset || ec == asio::error::broken_pipe ||
         ec == asio::error::bad_descriptor || ec == http::error::partial_message;
}

bool expects_continue(const http::request_parser<http::string_body>& parser) {
  const auto& head = parser.get();
  auto it = head.find(http::field::expect);
  return it != head.end() && beast::iequals(it->value(), "100-continue");
}

}  // namespace

HttpSession::HttpSession(tcp::socket socket, asio::ssl::context* tls, ServerState& state,
                         const Router& router, SessionSet& sessions)
    : stream_(std::move(socket), tls), state_(state), router_(router), sessions_(sessions) {
  beast::error_code ec;
  const auto endpoint = stream_.socket().remote_endpoint(ec);
  if (!ec) remote_ = endpoint.address().to_string() + ":" + std::to_string(endpoint.port());
  state_.http_metrics.connection_opened();
}

HttpSession::~HttpSession() {
  state_.http_metrics.connection_closed();
  sessions_.remove(this);
}

void HttpSession::start(std::shared_ptr<HttpSession> session) {
  session->sessions_.add(session);
  auto executor = session->stream_.get_executor();
  asio::co_spawn(
      executor,
      [session]() -> asio::awaitable<void> {
        try {
          co_await session->serve();
        } catch (const std::exception& e) {
          session->state_.log->error("connection {}: {}", session->remote_, e.what());
        }
      },
      asio::detached);
}

void HttpSession::abort() {
  asio::post(stream_.get_executor(), [self = shared_from_this()] {
    if (self->current_) self->current_->interrupt();
    beast::error_code ec;
    self->stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
    self->stream_.socket().close(ec);
  });
}

asio::awaitable<void> HttpSession::serve() {
  const auto& config = state_.config;
  const auto idle = std::chrono::seconds(config.idle_timeout_s);
  if (stream_.is_tls()) {
    beast::error_code ec;
    stream_.tcp().expires_after(idle);
    co_await stream_.handshake(ec);
    stream_.tcp().expires_never();
    if (ec) {
      // A plain-HTTP client, a wrong protocol version or a scanner: nothing to answer.
      state_.log->debug("connection {}: TLS handshake failed: {}", remote_, ec.message());
      beast::error_code ignored;
      stream_.socket().close(ignored);
      co_return;
    }
  }
  beast::flat_buffer buffer;
  for (;;) {
    http::request_parser<http::string_body> parser;
    parser.header_limit(config.max_header_bytes);
    parser.body_limit(config.max_body_bytes);
    beast::error_code ec;
    // The idle timeout also bounds how long a request may take to arrive (slow clients).
    stream_.tcp().expires_after(idle);
    co_await stream_.read_header(buffer, parser, ec);
    if (!ec && expects_continue(parser)) {
      static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
      co_await stream_.write_bytes(asio::buffer(kContinue.data(), kContinue.size()), ec);
    }
    if (!ec && !parser.is_done()) {
      stream_.tcp().expires_after(idle);
      co_await stream_.read(buffer, parser, ec);
    }
    if (ec) {
      std::string path;
      if (parser.is_header_done()) {
        const auto target = parser.get().target();
        path = std::string(target.substr(0, target.find('?')));
      }
      if (!is_disconnect(ec)) co_await answer_read_error(ec, path);
      break;
    }
    stream_.tcp().expires_never();

    Exchange exchange(stream_, parser.release(), state_, remote_);
    current_ = &exchange;
    state_.http_metrics.request_started();
    std::exception_ptr failure;
    try {
      co_await router_.dispatch(exchange);
    } catch (...) {
      failure = std::current_exception();
    }
    state_.http_metrics.request_ended();
    current_ = nullptr;
    finish_exchange(exchange);
    if (failure) std::rethrow_exception(failure);
    if (!exchange.keep_alive()) break;
  }
  beast::error_code ec;
  stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
}

void HttpSession::finish_exchange(Exchange& exchange) {
  AccessRecord& record = exchange.record();
  // 499: the client closed the connection before any response (nginx's convention).
  if (record.status == 0) record.status = 499;
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - exchange.started()).count();
  record.total_ms = seconds * 1000.0;
  state_.http_metrics.request_done(record.route, record.status, seconds);
  write_access_log(*state_.access_log, record);
}

asio::awaitable<void> HttpSession::answer_read_error(beast::error_code ec,
                                                     const std::string& path) {
  unsigned status = 400;
  std::string message = "malformed HTTP request: " + ec.message();
  if (ec == http::error::header_limit) {
    status = 431;
    message = "the request head is larger than " + std::to_string(state_.config.max_header_bytes) +
              " bytes";
  } else if (ec == http::error::body_limit) {
    status = 413;
    message = "the request body is larger than " + std::to_string(state_.config.max_body_bytes) +
              " bytes";
  }
  const auto family = family_for_path(path);
  const ApiError error(status, message);
  http::response<http::string_body> res{static_cast<http::status>(status), 11};
  res.set(http::field::server, "sluice/" + state_.version);
  res.set(http::field::content_type, "application/json");
  res.keep_alive(false);
  res.body() = dump_json(error_body(family, error));
  res.prepare_payload();
  stream_.tcp().expires_after(std::chrono::seconds(state_.config.idle_timeout_s));
  beast::error_code write_ec;
  co_await stream_.write(res, write_ec);

  AccessRecord record;
  record.request_id = state_.next_request_id();
  record.route = "-";
  record.path = path;
  record.remote = remote_;
  record.status = status;
  state_.http_metrics.request_done(record.route, status, 0.0);
  write_access_log(*state_.access_log, record);
  if (!write_ec) co_await linger_close();
}

// Closing with unread input makes the kernel send a reset, which can destroy the error
// response before the client reads it: stop sending, then read and drop what is still
// coming for a moment.
asio::awaitable<void> HttpSession::linger_close() {
  beast::error_code ec;
  stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
  std::vector<char> sink(64 * 1024);
  size_t drained = 0;
  stream_.tcp().expires_after(kLingerTime);
  while (!ec && drained < kLingerMaxBytes) {
    drained += co_await stream_.read_some(asio::buffer(sink), ec);
  }
  stream_.socket().close(ec);
}

// ---- SessionSet

void SessionSet::add(const std::shared_ptr<HttpSession>& session) {
  std::lock_guard lock(mutex_);
  sessions_.emplace(session.get(), session);
}

void SessionSet::remove(HttpSession* session) {
  std::function<void()> callback;
  {
    std::lock_guard lock(mutex_);
    sessions_.erase(session);
    if (sessions_.empty()) callback = on_empty_;
  }
  if (callback) callback();
}

void SessionSet::abort_all() {
  std::vector<std::shared_ptr<HttpSession>> live;
  {
    std::lock_guard lock(mutex_);
    for (auto& [ptr, weak] : sessions_)
      if (auto session = weak.lock()) live.push_back(std::move(session));
  }
  for (auto& session : live) session->abort();
}

size_t SessionSet::size() const {
  std::lock_guard lock(mutex_);
  return sessions_.size();
}

void SessionSet::on_empty(std::function<void()> callback) {
  std::lock_guard lock(mutex_);
  on_empty_ = std::move(callback);
}

}  // namespace sluice::server
