// sluice/cpp/edge.hpp - optional header-only helpers for plugins written in C++.
//
// No C++ exception may cross the C ABI. Wrap the body of every vtable slot in
// sluice::edge::guard(...) so an exception becomes a status code plus an error object
// made through the host table. Plugins may use this header; the ABI does not depend on it.
#ifndef SLUICE_CPP_EDGE_HPP
#define SLUICE_CPP_EDGE_HPP

#include <exception>
#include <new>

#include "sluice/host.h"

namespace sluice::edge {

// Returns `code` and, when the caller wants detail, hands it an error with `message`.
inline sluice_status fail(const sluice_host_api* host, sluice_error** out_err, sluice_status code,
                          const char* message) noexcept {
  if (out_err != nullptr && host != nullptr && host->error_new != nullptr) {
    *out_err = host->error_new(host, code, message);
  }
  return code;
}

// Runs `body` (returning sluice_status); any exception becomes SLUICE_ERR_OUT_OF_MEMORY
// or SLUICE_ERR_INTERNAL with the exception's message.
template <class Body>
sluice_status guard(const sluice_host_api* host, sluice_error** out_err, Body&& body) noexcept {
  try {
    return body();
  } catch (const std::bad_alloc&) {
    return fail(host, out_err, SLUICE_ERR_OUT_OF_MEMORY, "out of memory");
  } catch (const std::exception& e) {
    return fail(host, out_err, SLUICE_ERR_INTERNAL, e.what());
  } catch (...) {
    return fail(host, out_err, SLUICE_ERR_INTERNAL, "unknown exception");
  }
}

// For slots that return nothing (destroy, close): an exception is logged and dropped.
template <class Body>
void guard_void(const sluice_host_api* host, Body&& body) noexcept {
  try {
    body();
  } catch (const std::exception& e) {
    if (host != nullptr && host->log != nullptr) host->log(host, SLUICE_LOG_ERROR, e.what());
  } catch (...) {
    if (host != nullptr && host->log != nullptr) {
      host->log(host, SLUICE_LOG_ERROR, "unknown exception");
    }
  }
}

}  // namespace sluice::edge

#endif  // SLUICE_CPP_EDGE_HPP
