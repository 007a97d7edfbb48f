#include "server/model_registry.hpp"

#include "server/api_error.hpp"

namespace sluice::server {

void ModelRegistry::add(std::shared_ptr<engine::ServedModel> model) {
  std::lock_guard lock(mutex_);
  for (auto& existing : models_) {
    if (existing->name == model->name) {
      existing = std::move(model);
      return;
    }
  }
  models_.push_back(std::move(model));
}

std::shared_ptr<engine::ServedModel> ModelRegistry::find(std::string_view name) const {
  std::lock_guard lock(mutex_);
  for (const auto& model : models_)
    if (model->name == name) return model;
  constexpr std::string_view kLatest = ":latest";
  if (name.size() > kLatest.size() && name.substr(name.size() - kLatest.size()) == kLatest) {
    const auto base = name.substr(0, name.size() - kLatest.size());
    for (const auto& model : models_)
      if (model->name == base) return model;
  }
  return nullptr;
}

std::shared_ptr<engine::ServedModel> ModelRegistry::resolve(
    const std::optional<std::string>& name) const {
  if (name && !name->empty()) {
    if (auto model = find(*name)) return model;
    throw model_not_found(*name);
  }
  std::lock_guard lock(mutex_);
  if (models_.size() == 1) return models_.front();
  if (models_.empty()) throw ApiError(503, "no model is loaded yet", "model");
  throw bad_field("model", "required when several models are served");
}

std::vector<std::shared_ptr<engine::ServedModel>> ModelRegistry::list() const {
  std::lock_guard lock(mutex_);
  return models_;
}

}  // namespace sluice::server
