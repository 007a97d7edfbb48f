// One client connection, plain TCP or TLS (OpenSSL through Asio), behind one interface so
// that sessions and exchanges read and write the same way either way. Timeouts
// (expires_after) and the socket always belong to the TCP layer underneath.
#pragma once

// Boost 1.74's awaitable.hpp uses std::exchange without including <utility>.
#include <utility>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/serializer.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <memory>

namespace sluice::server {

class Connection {
 public:
  using RequestParser = boost::beast::http::request_parser<boost::beast::http::string_body>;
  using HeaderSerializer = boost::beast::http::response_serializer<boost::beast::http::empty_body>;

  // `tls` null: plain HTTP.
  Connection(boost::asio::ip::tcp::socket socket, boost::asio::ssl::context* tls);

  bool is_tls() const { return tls_ != nullptr; }
  boost::beast::tcp_stream& tcp() { return is_tls() ? tls_->next_layer() : plain_; }
  boost::asio::ip::tcp::socket& socket() { return tcp().socket(); }
  boost::asio::any_io_executor get_executor() { return tcp().get_executor(); }

  // The TLS handshake (nothing for plain HTTP).
  boost::asio::awaitable<void> handshake(boost::beast::error_code& ec);

  boost::asio::awaitable<void> read_header(boost::beast::flat_buffer& buffer, RequestParser& parser,
                                           boost::beast::error_code& ec);
  boost::asio::awaitable<void> read(boost::beast::flat_buffer& buffer, RequestParser& parser,
                                    boost::beast::error_code& ec);
  boost::asio::awaitable<size_t> read_some(boost::asio::mutable_buffer buffer,
                                           boost::beast::error_code& ec);
  boost::asio::awaitable<void> write(
      boost::beast::http::response<boost::beast::http::string_body>& response,
      boost::beast::error_code& ec);
  boost::asio::awaitable<void> write_header(HeaderSerializer& serializer,
                                            boost::beast::error_code& ec);
  // Raw bytes (a chunk of a chunked body, already framed).
  boost::asio::awaitable<void> write_bytes(boost::asio::const_buffer bytes,
                                           boost::beast::error_code& ec);

 private:
  boost::beast::tcp_stream plain_;  // unused (moved from) under TLS
  std::unique_ptr<boost::beast::ssl_stream<boost::beast::tcp_stream>> tls_;
};

// A TLS server context from PEM files; throws std::runtime_error naming the file.
std::unique_ptr<boost::asio::ssl::context> make_tls_context(const std::string& cert_file,
                                                            const std::string& key_file);

}  // namespace sluice::server
