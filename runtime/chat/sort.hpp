// A stable merge sort for Python's sorted(): the comparison may throw (TypeError) or be
// inconsistent (NaN), which std::sort does not allow.
#pragma once

#include <cstddef>
#include <utility>
#include <vector>

namespace sluice::chat::detail {

template <typename T, typename Less>
void stable_sort(std::vector<T>& items, Less less) {
  std::vector<T> buffer(items.size());
  for (std::size_t width = 1; width < items.size(); width *= 2) {
    for (std::size_t left = 0; left < items.size(); left += 2 * width) {
      const std::size_t middle = std::min(left + width, items.size());
      const std::size_t right = std::min(left + 2 * width, items.size());
      std::size_t i = left, j = middle, k = left;
      while (i < middle && j < right)
        buffer[k++] = less(items[j], items[i]) ? items[j++] : items[i++];
      while (i < middle) buffer[k++] = items[i++];
      while (j < right) buffer[k++] = items[j++];
    }
    items.swap(buffer);
  }
}

}  // namespace sluice::chat::detail
