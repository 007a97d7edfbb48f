#include "server/connection.hpp"

#include <boost/beast/ssl.hpp>
#include <stdexcept>

namespace sluice::server {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

namespace {
auto with(beast::error_code& ec) {
  return asio::redirect_error(asio::use_awaitable, ec);
}
}  // namespace

Connection::Connection(asio::ip::tcp::socket socket, asio::ssl::context* tls)
    : plain_(tls == nullptr ? std::move(socket) : asio::ip::tcp::socket(socket.get_executor())) {
  if (tls != nullptr)
    tls_ = std::make_unique<beast::ssl_stream<beast::tcp_stream>>(std::move(socket), *tls);
}

asio::awaitable<void> Connection::handshake(beast::error_code& ec) {
  if (tls_) co_await tls_->async_handshake(asio::ssl::stream_base::server, with(ec));
}

asio::awaitable<void> Connection::read_header(beast::flat_buffer& buffer, RequestParser& parser,
                                              beast::error_code& ec) {
  if (tls_) {
    co_await http::async_read_header(*tls_, buffer, parser, with(ec));
  } else {
    co_await http::async_read_header(plain_, buffer, parser, with(ec));
  }
}

asio::awaitable<void> Connection::read(beast::flat_buffer& buffer, RequestParser& parser,
                                       beast::error_code& ec) {
  if (tls_) {
    co_await http::async_read(*tls_, buffer, parser, with(ec));
  } else {
    co_await http::async_read(plain_, buffer, parser, with(ec));
  }
}

asio::awaitable<size_t> Connection::read_some(asio::mutable_buffer buffer, beast::error_code& ec) {
  if (tls_) co_return co_await tls_->async_read_some(buffer, with(ec));
  co_return co_await plain_.async_read_some(buffer, with(ec));
}

asio::awaitable<void> Connection::write(http::response<http::string_body>& response,
                                        beast::error_code& ec) {
  if (tls_) {
    co_await http::async_write(*tls_, response, with(ec));
  } else {
    co_await http::async_write(plain_, response, with(ec));
  }
}

asio::awaitable<void> Connection::write_header(HeaderSerializer& serializer,
                                               beast::error_code& ec) {
  if (tls_) {
    co_await http::async_write_header(*tls_, serializer, with(ec));
  } else {
    co_await http::async_write_header(plain_, serializer, with(ec));
  }
}

asio::awaitable<void> Connection::write_bytes(asio::const_buffer bytes, beast::error_code& ec) {
  if (tls_) {
    co_await asio::async_write(*tls_, bytes, with(ec));
  } else {
    co_await asio::async_write(plain_, bytes, with(ec));
  }
}

std::unique_ptr<asio::ssl::context> make_tls_context(const std::string& cert_file,
                                                     const std::string& key_file) {
  auto context = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_server);
  // TLS 1.2 and later only; no compression, no renegotiation-era protocols.
  context->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                       asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                       asio::ssl::context::no_tlsv1_1 | asio::ssl::context::no_compression |
                       asio::ssl::context::single_dh_use);
  boost::system::error_code ec;
  context->use_certificate_chain_file(cert_file, ec);
  if (ec) throw std::runtime_error("server.tls_cert " + cert_file + ": " + ec.message());
  context->use_private_key_file(key_file, asio::ssl::context::pem, ec);
  if (ec) throw std::runtime_error("server.tls_key " + key_file + ": " + ec.message());
  return context;
}

}  // namespace sluice::server
