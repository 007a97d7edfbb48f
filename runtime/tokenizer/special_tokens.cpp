#include "tokenizer/special_tokens.hpp"

#include "tokenizer/vocab.hpp"

namespace sluice::tokenizer {
namespace {

bool is_ascii_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

}  // namespace

std::vector<Fragment> partition_special_tokens(const Vocab& vocab, std::string_view text) {
  std::vector<Fragment> fragments;
  if (text.empty()) return fragments;
  fragments.push_back({-1, text});
  std::vector<Fragment> next;
  for (const int32_t id : vocab.special_tokens) {
    const std::string_view special = vocab.texts[id];
    const uint32_t attr = vocab.attrs[id];
    next.clear();
    for (const Fragment& fragment : fragments) {
      if (fragment.token >= 0) {
        next.push_back(fragment);
        continue;
      }
      std::string_view rest = fragment.text;
      while (!rest.empty()) {
        const size_t at = rest.find(special);
        if (at == std::string_view::npos) {
          next.push_back({-1, rest});
          break;
        }
        std::string_view left = rest.substr(0, at);
        if (attr & token_attr::lstrip) {
          while (!left.empty() && is_ascii_space(left.back())) left.remove_suffix(1);
        }
        if (!left.empty()) next.push_back({-1, left});
        next.push_back({id, special});
        rest.remove_prefix(at + special.size());
        if (attr & token_attr::rstrip) {
          while (!rest.empty() && is_ascii_space(rest.front())) rest.remove_prefix(1);
        }
      }
    }
    fragments.swap(next);
  }
  return fragments;
}

}  // namespace sluice::tokenizer
