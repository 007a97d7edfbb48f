// The models the server serves, by name. Free-threaded: models may be added while
// requests are being routed.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/served_model.hpp"

namespace sluice::server {

class ModelRegistry {
 public:
  // Adds `model`, replacing one of the same name.
  void add(std::shared_ptr<engine::ServedModel> model);
  // The model named `name` ("NAME:latest" also finds NAME, as Ollama clients write it).
  std::shared_ptr<engine::ServedModel> find(std::string_view name) const;
  // The model a request asks for: by name, or the only one served when it names none.
  // Throws ApiError: 404 naming an unknown model, 400 when none is named and several
  // (or none) are served.
  std::shared_ptr<engine::ServedModel> resolve(const std::optional<std::string>& name) const;
  std::vector<std::shared_ptr<engine::ServedModel>> list() const;

 private:
  mutable std::mutex mutex_;
  std::vector<std::shared_ptr<engine::ServedModel>> models_;  // in the order added
};

}  // namespace sluice::server
