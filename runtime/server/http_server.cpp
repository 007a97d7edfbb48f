#include "server/http_server.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <stdexcept>
#include <thread>
#include <vector>

#include "server/admin_routes.hpp"
#include "server/connection.hpp"
#include "server/http_session.hpp"
#include "server/ollama_routes.hpp"
#include "server/openai_routes.hpp"
#include "server/router.hpp"
#include "server/server_state.hpp"

namespace sluice::server {

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {
// After stop(), how long connections get to close before the I/O threads stop anyway.
constexpr auto kStopGrace = std::chrono::seconds(2);
}  // namespace

// Declaration order is destruction order reversed: the io_context goes before the state,
// router and session set, because destroying it destroys the connections' coroutines,
// which still use them.
struct HttpServer::Impl {
  Impl(ServerOptions options, telemetry::MetricsRegistry& metrics)
      : state(std::move(options.config), std::move(options.version), metrics),
        ioc(static_cast<int>(std::max<uint32_t>(1, state.config.threads))) {
    add_openai_routes(router);
    add_ollama_routes(router);
    add_admin_routes(router);
  }

  asio::awaitable<void> accept_loop();
  asio::awaitable<void> watch_keys();
  void shut_down();  // on the io_context

  ServerState state;
  Router router;
  SessionSet sessions;
  asio::io_context ioc;
  tcp::acceptor acceptor{ioc};
  std::unique_ptr<asio::ssl::context> tls;  // set by listen() when tls_cert is configured
  asio::steady_timer stop_timer{ioc};
  asio::steady_timer keys_timer{ioc};
  std::atomic<bool> stop_requested{false};
};

asio::awaitable<void> HttpServer::Impl::accept_loop() {
  for (;;) {
    // Each connection gets its own strand: its coroutine, its engine events and its
    // timers never run concurrently.
    tcp::socket socket(asio::make_strand(ioc));
    boost::system::error_code ec;
    co_await acceptor.async_accept(socket, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      if (ec == asio::error::operation_aborted || !acceptor.is_open() || stop_requested) co_return;
      state.log->warn("accept failed: {}", ec.message());
      if (ec == asio::error::no_descriptors) {
        // Out of file descriptors: pause instead of spinning.
        asio::steady_timer pause(ioc, std::chrono::milliseconds(100));
        co_await pause.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      }
      continue;
    }
    socket.set_option(tcp::no_delay(true), ec);
    HttpSession::start(
        std::make_shared<HttpSession>(std::move(socket), tls.get(), state, router, sessions));
  }
}

asio::awaitable<void> HttpServer::Impl::watch_keys() {
  for (;;) {
    keys_timer.expires_after(std::chrono::seconds(state.access.reload_interval_s()));
    boost::system::error_code ec;
    co_await keys_timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (ec || stop_requested) co_return;
    try {
      if (state.access.reload_if_changed())
        state.log->info("keys file changed: {} key(s) in force", state.access.key_count());
    } catch (const std::exception& e) {
      state.log->error("keys file changed but cannot be used, the old keys stay: {}", e.what());
    }
  }
}

void HttpServer::Impl::shut_down() {
  boost::system::error_code ec;
  acceptor.close(ec);
  keys_timer.cancel();
  sessions.on_empty([this] { asio::post(ioc, [this] { stop_timer.cancel(); }); });
  sessions.abort_all();
  if (sessions.size() == 0) return;
  // Connections stuck in a write the kernel will not finish still let run() return.
  stop_timer.expires_after(kStopGrace);
  stop_timer.async_wait([this](boost::system::error_code wait_ec) {
    if (!wait_ec) ioc.stop();
  });
}

HttpServer::HttpServer(ServerOptions options, telemetry::MetricsRegistry& metrics)
    : impl_(std::make_unique<Impl>(std::move(options), metrics)) {}

HttpServer::~HttpServer() {
  stop();
}

void HttpServer::configure_access(const config::AuthConfig& auth) {
  impl_->state.access.configure(auth);
  if (impl_->state.access.enabled())
    impl_->state.log->info("authentication on: {} key(s) from {}", impl_->state.access.key_count(),
                           auth.keys_file.string());
}

void HttpServer::set_guardrails(std::shared_ptr<const GuardrailChain> chain) {
  impl_->state.set_guardrails(std::move(chain));
}

void HttpServer::set_reload(std::function<std::string()> reload) {
  impl_->state.reload = std::move(reload);
}

void HttpServer::set_plugins_report(std::function<nlohmann::json()> report) {
  impl_->state.plugins_report = std::move(report);
}

void HttpServer::reload_keys() {
  impl_->state.access.reload();
}

void HttpServer::add_model(std::shared_ptr<engine::ServedModel> model) {
  if (!model || !model->tokenizer || !model->engine)
    throw std::invalid_argument("add_model: a model needs a tokenizer and an engine");
  impl_->state.log->info("serving model '{}'", model->name);
  impl_->state.models.add(std::move(model));
}

uint16_t HttpServer::listen() {
  const auto& config = impl_->state.config;
  const std::string where = config.host + ":" + std::to_string(config.port);
  if (!config.tls_cert.empty())
    impl_->tls = make_tls_context(config.tls_cert.string(), config.tls_key.string());
  boost::system::error_code ec;
  tcp::endpoint endpoint;
  const auto address = asio::ip::make_address(config.host, ec);
  if (!ec) {
    endpoint = tcp::endpoint(address, config.port);
  } else {
    tcp::resolver resolver(impl_->ioc);
    auto results = resolver.resolve(config.host, std::to_string(config.port), ec);
    if (ec || results.empty())
      throw std::runtime_error("cannot listen on " + where + ": cannot resolve '" + config.host +
                               "': " + ec.message());
    endpoint = results.begin()->endpoint();
  }
  auto& acceptor = impl_->acceptor;
  auto fail = [&](const char* step) {
    boost::system::error_code ignored;
    acceptor.close(ignored);
    throw std::runtime_error("cannot listen on " + where + ": " + step + ": " + ec.message());
  };
  if (acceptor.open(endpoint.protocol(), ec)) fail("open");
  if (acceptor.set_option(asio::socket_base::reuse_address(true), ec)) fail("SO_REUSEADDR");
  if (acceptor.bind(endpoint, ec)) fail("bind");
  if (acceptor.listen(asio::socket_base::max_listen_connections, ec)) fail("listen");
  const uint16_t port = acceptor.local_endpoint().port();
  asio::co_spawn(impl_->ioc, impl_->accept_loop(), asio::detached);
  // Always: a reload may turn authentication on later (without keys it does nothing).
  asio::co_spawn(impl_->ioc, impl_->watch_keys(), asio::detached);
  impl_->state.log->info("listening on {}://{}:{}", impl_->tls ? "https" : "http",
                         endpoint.address().is_v6() ? "[" + config.host + "]" : config.host, port);
  return port;
}

void HttpServer::run() {
  const uint32_t threads = std::max<uint32_t>(1, impl_->state.config.threads);
  std::vector<std::thread> pool;
  pool.reserve(threads - 1);
  for (uint32_t i = 1; i < threads; ++i) pool.emplace_back([this] { impl_->ioc.run(); });
  impl_->ioc.run();
  for (auto& thread : pool) thread.join();
}

void HttpServer::set_ready(bool ready) {
  impl_->state.ready = ready;
}

void HttpServer::begin_drain() {
  if (!impl_->state.draining.exchange(true))
    impl_->state.log->info("draining: refusing new requests, {} running",
                           impl_->state.active.size());
}

void HttpServer::stop() {
  if (impl_->stop_requested.exchange(true)) return;
  impl_->state.stopping = true;
  impl_->state.active.cancel_all();
  asio::post(impl_->ioc, [impl = impl_.get()] { impl->shut_down(); });
}

size_t HttpServer::active_requests() const {
  return impl_->state.active.size();
}

}  // namespace sluice::server
