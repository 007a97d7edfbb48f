#include "plugin_host/plugin_error.hpp"

#include <memory>

namespace sluice::plugin_host {

const char* status_name(sluice_status status) {
  switch (status) {
    case SLUICE_OK: return "OK";
    case SLUICE_INCOMPLETE: return "INCOMPLETE";
    case SLUICE_ERR_INVALID_ARG: return "INVALID_ARG";
    case SLUICE_ERR_UNSUPPORTED: return "UNSUPPORTED";
    case SLUICE_ERR_UNAVAILABLE: return "UNAVAILABLE";
    case SLUICE_ERR_OUT_OF_MEMORY: return "OUT_OF_MEMORY";
    case SLUICE_ERR_CANCELLED: return "CANCELLED";
    case SLUICE_ERR_INTERNAL: return "INTERNAL";
    case SLUICE_ERR_NOT_FOUND: return "NOT_FOUND";
    case SLUICE_ERR_ALREADY_EXISTS: return "ALREADY_EXISTS";
    case SLUICE_ERR_ABI_MISMATCH: return "ABI_MISMATCH";
    default: return "UNKNOWN";
  }
}

CallResult take_error(sluice_status status, sluice_error* error) {
  std::unique_ptr<sluice_error_s> owned(error);
  CallResult result;
  const bool known = status == SLUICE_OK || status == SLUICE_INCOMPLETE ||
                     (status < 0 && status >= SLUICE_STATUS_MIN_);
  if (!known) {
    result.status = SLUICE_ERR_INTERNAL;
    result.message = "plugin returned undefined status " + std::to_string(status);
    if (owned) result.message += ": " + owned->message;
    return result;
  }
  result.status = status;
  if (status < 0) result.message = owned ? owned->message : "plugin gave no error detail";
  return result;
}

}  // namespace sluice::plugin_host
