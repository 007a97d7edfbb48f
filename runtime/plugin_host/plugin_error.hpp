// Errors crossing the C ABI: the host's definition of the opaque sluice_error, and the
// C++ view of a plugin call's outcome.
#pragma once

#include <string>

#include "sluice/abi.h"

// Made by host->error_new, freed by host->error_free (or by take_error below).
struct sluice_error_s {
  sluice_status code;
  std::string message;
};

namespace sluice::plugin_host {

// A plugin call's result, with the error object's message taken over (and freed).
struct CallResult {
  sluice_status status = SLUICE_OK;
  std::string message;

  bool ok() const { return status >= 0; }
};

// Turns (status, error) from a plugin slot into a CallResult. Statuses outside the
// closed set become SLUICE_ERR_INTERNAL; an error without a status gets a message that
// says the plugin gave none. Frees `error`.
CallResult take_error(sluice_status status, sluice_error* error);

// "INVALID_ARG", "UNSUPPORTED", ... for messages and logs.
const char* status_name(sluice_status status);

}  // namespace sluice::plugin_host
