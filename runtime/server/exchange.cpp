#include "server/exchange.hpp"

#include <sys/socket.h>

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/chunk_encode.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/serializer.hpp>
#include <boost/beast/http/write.hpp>
#include <cerrno>

#include "server/server_state.hpp"

namespace sluice::server {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

// Shared with the pending socket wait, which may complete after the exchange is gone.
struct Exchange::Watch {
  bool armed = false;
};

Exchange::Exchange(Connection& stream, HttpRequest request, ServerState& state, std::string remote)
    : stream_(stream),
      request_(std::move(request)),
      state_(state),
      started_(std::chrono::steady_clock::now()) {
  record_.request_id = state.next_request_id();
  record_.method = std::string(request_.method_string());
  record_.path = std::string(path());
  record_.remote = std::move(remote);
  record_.route = "-";
}

Exchange::~Exchange() {
  stop_watching();
}

std::string_view Exchange::path() const {
  std::string_view target(request_.target().data(), request_.target().size());
  return target.substr(0, target.find('?'));
}

bool Exchange::keep_alive() const {
  return !client_gone_ && request_.keep_alive() && !state_.draining.load() &&
         !state_.stopping.load();
}

void Exchange::fill_head(http::fields& fields, const std::string& content_type,
                         const std::vector<std::pair<std::string, std::string>>& extra) const {
  fields.set(http::field::server, "sluice/" + state_.version);
  fields.set(http::field::content_type, content_type);
  fields.set("X-Request-Id", record_.request_id);
  for (const auto& [name, value] : extra_headers) fields.set(name, value);
  for (const auto& [name, value] : extra) fields.set(name, value);
}

const std::string& Exchange::tenant() const {
  static const std::string none;
  return key ? key->tenant : none;
}

asio::awaitable<void> Exchange::respond(Response response) {
  responded_ = true;
  record_.status = response.status;
  if (client_gone_) co_return;
  http::response<http::string_body> res{static_cast<http::status>(response.status),
                                        request_.version()};
  fill_head(res, response.content_type, response.headers);
  res.keep_alive(keep_alive());
  res.body() = std::move(response.body);
  res.prepare_payload();
  beast::error_code ec;
  stream_.tcp().expires_after(std::chrono::seconds(state_.config.idle_timeout_s));
  co_await stream_.write(res, ec);
  stream_.tcp().expires_never();
  if (ec) mark_gone();
}

asio::awaitable<bool> Exchange::begin_stream(std::string content_type) {
  responded_ = true;
  streaming_ = true;
  record_.status = 200;
  if (client_gone_) co_return false;
  http::response<http::empty_body> res{http::status::ok, request_.version()};
  const std::vector<std::pair<std::string, std::string>> extra = {{"Cache-Control", "no-cache"}};
  fill_head(res, content_type, extra);
  res.keep_alive(keep_alive());
  res.chunked(true);
  http::response_serializer<http::empty_body> serializer{res};
  beast::error_code ec;
  stream_.tcp().expires_after(std::chrono::seconds(state_.config.idle_timeout_s));
  co_await stream_.write_header(serializer, ec);
  stream_.tcp().expires_never();
  if (ec) mark_gone();
  co_return !ec;
}

asio::awaitable<bool> Exchange::write_chunk(std::string data) {
  if (client_gone_) co_return false;
  if (data.empty()) co_return true;  // an empty chunk would end the body
  beast::error_code ec;
  // A client that stops reading stalls the write; the idle timeout bounds that.
  stream_.tcp().expires_after(std::chrono::seconds(state_.config.idle_timeout_s));
  // Chunked framing by hand: one buffer, the same bytes over TCP or TLS.
  char size_line[24];
  const int n = std::snprintf(size_line, sizeof size_line, "%zx\r\n", data.size());
  data.insert(0, size_line, static_cast<size_t>(n));
  data += "\r\n";
  co_await stream_.write_bytes(asio::buffer(data), ec);
  stream_.tcp().expires_never();
  if (ec) mark_gone();
  co_return !ec;
}

asio::awaitable<void> Exchange::end_stream() {
  if (client_gone_) co_return;
  beast::error_code ec;
  stream_.tcp().expires_after(std::chrono::seconds(state_.config.idle_timeout_s));
  static constexpr std::string_view kLastChunk = "0\r\n\r\n";
  co_await stream_.write_bytes(asio::buffer(kLastChunk.data(), kLastChunk.size()), ec);
  stream_.tcp().expires_never();
  if (ec) mark_gone();
}

void Exchange::mark_gone() {
  if (client_gone_) return;
  client_gone_ = true;
  record_.client_gone = true;
  if (watch_) watch_->armed = false;
  // Moved out first: the callback may end the watch.
  auto on_gone = std::move(on_gone_);
  on_gone_ = nullptr;
  if (on_gone) on_gone();
}

void Exchange::watch_disconnect(std::function<void()> on_gone) {
  stop_watching();
  on_gone_ = std::move(on_gone);
  if (client_gone_) {
    auto callback = std::move(on_gone_);
    on_gone_ = nullptr;
    callback();
    return;
  }
  watch_ = std::make_shared<Watch>();
  watch_->armed = true;
  arm_watch();
}

void Exchange::arm_watch() {
  auto watch = watch_;
  auto& socket = stream_.socket();
  socket.async_wait(
      asio::ip::tcp::socket::wait_read,
      asio::bind_executor(stream_.get_executor(), [this, watch, &socket](beast::error_code ec) {
        // `this` and `socket` are only touched while armed: stop_watching() disarms
        // before the exchange (or its connection) goes away.
        if (!watch->armed) return;
        if (ec) {
          if (ec != asio::error::operation_aborted) mark_gone();
          return;
        }
        char byte;
        const ssize_t n = ::recv(socket.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
          mark_gone();  // orderly close or reset
        } else if (n < 0) {
          arm_watch();  // spurious wake-up
        } else {
          // The client sent more (a pipelined request): its closing can no longer be
          // seen here; a failed write will still notice.
          watch->armed = false;
        }
      }));
}

void Exchange::stop_watching() {
  on_gone_ = nullptr;
  if (!watch_) return;
  const bool was_armed = watch_->armed;
  watch_->armed = false;
  watch_.reset();
  if (was_armed) {
    beast::error_code ec;
    stream_.socket().cancel(ec);  // completes the pending wait (nothing else is pending)
  }
}

void Exchange::interrupt() {
  mark_gone();
}

}  // namespace sluice::server
