#include "server_fixture.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <stdexcept>

#include "model/gguf_file.hpp"
#include "model/model_description.hpp"
#include "test_support.hpp"

namespace sluice::test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::ip::tcp;

HttpResult http_request(uint16_t port, const std::string& method, const std::string& target,
                        const std::string& body,
                        const std::vector<std::pair<std::string, std::string>>& headers) {
  asio::io_context ioc;
  tcp::socket socket(ioc);
  socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  http::request<http::string_body> req{http::string_to_verb(method), target, 11};
  req.set(http::field::host, "127.0.0.1");
  if (!body.empty()) req.set(http::field::content_type, "application/json");
  for (const auto& [name, value] : headers) req.set(name, value);
  req.body() = body;
  req.prepare_payload();
  http::write(socket, req);
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(boost::none);
  beast::error_code ec;
  http::read(socket, buffer, parser, ec);
  HttpResult result;
  if (ec && !parser.is_header_done()) throw std::runtime_error("read failed: " + ec.message());
  const auto& res = parser.get();
  result.status = res.result_int();
  result.body = res.body();
  for (const auto& field : res) {
    std::string name(field.name_string());
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    result.headers[name] = std::string(field.value());
  }
  socket.close(ec);
  return result;
}

RawConnection::RawConnection(uint16_t port) {
  fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
    throw std::runtime_error("connect failed");
}

RawConnection::~RawConnection() {
  close();
}

void RawConnection::send(const std::string& bytes) {
  size_t sent = 0;
  while (sent < bytes.size()) {
    const ssize_t n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return;  // the server may close early (limits); the test reads what came
    sent += static_cast<size_t>(n);
  }
}

std::string RawConnection::read(std::chrono::milliseconds timeout, const std::string& until) {
  std::string out;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (!until.empty() && out.find(until) != std::string::npos) break;
    pollfd p{fd_, POLLIN, 0};
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (::poll(&p, 1, static_cast<int>(std::max<int64_t>(1, left.count()))) <= 0) continue;
    char buf[4096];
    const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

bool RawConnection::closed_by_peer(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, 50) <= 0) continue;
    char buf[4096];
    const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) return true;
  }
  return false;
}

void RawConnection::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

std::string raw_post(const std::string& target, const std::string& body) {
  return "POST " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n" +
         "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

std::vector<std::string> sse_events(const std::string& body) {
  std::vector<std::string> events;
  size_t pos = 0;
  while (pos < body.size()) {
    const size_t end = body.find("\n\n", pos);
    if (end == std::string::npos) break;
    const std::string event = body.substr(pos, end - pos);
    if (event.rfind("data: ", 0) == 0) events.push_back(event.substr(6));
    pos = end + 2;
  }
  return events;
}

std::vector<std::string> ndjson_lines(const std::string& body) {
  std::vector<std::string> lines;
  size_t pos = 0;
  while (pos < body.size()) {
    size_t end = body.find('\n', pos);
    if (end == std::string::npos) end = body.size();
    if (end > pos) lines.push_back(body.substr(pos, end - pos));
    pos = end + 1;
  }
  return lines;
}

ServerFixture::ServerFixture(ServerFixtureOptions options) {
  const auto path = shared_file("models/stories260K.gguf");
  if (path.empty()) return;
  auto file = std::make_shared<model::GgufFile>(model::GgufFile::open(path));
  tokenizer_ = std::make_shared<const tokenizer::Tokenizer>(tokenizer::Tokenizer::from_gguf(*file));
  queue_ = std::make_shared<FakeQueue>(tokenizer_);
  queue_->set_behavior(FakeBehavior{tokens_of("Once upon a time there was a cat")});

  auto model = std::make_shared<engine::ServedModel>();
  model->name = "stories260K";
  model->path = path;
  model->file_size = file->file_size();
  model->file_type = "F32";
  model->desc = model::ModelDescription::from_gguf(*file);
  model->n_ctx = 256;
  model->tokenizer = tokenizer_;
  model->loaded_at = std::chrono::system_clock::now();
  model->backend = "fake";
  model->file = file;
  model->engine = queue_;

  options.config.host = "127.0.0.1";
  options.config.port = 0;
  server_ = std::make_unique<server::HttpServer>(
      server::ServerOptions{options.config, "0.0.0-test"}, metrics_);
  server_->add_model(model);
  server_->configure_access(options.auth);
  if (options.guardrails) server_->set_guardrails(options.guardrails);
  port_ = server_->listen();
  server_->set_ready(options.ready);
  runner_ = std::thread([this] { server_->run(); });
}

ServerFixture::~ServerFixture() {
  stop();
}

void ServerFixture::stop() {
  if (!server_) return;
  server_->stop();
  if (runner_.joinable()) runner_.join();
}

std::vector<int32_t> ServerFixture::tokens_of(const std::string& text) const {
  return tokenizer_->encode(text, false, false);
}

}  // namespace sluice::test
