// Cutting a list into messages of bounded size.
#pragma once

#include <cstddef>
#include <utility>
#include <vector>

namespace quorum {

// Splits `items` into runs of at most `max_count` items and `max_bytes`
// bytes (by `size`); a run always takes at least one item.
template <typename T, typename Size, typename Emit>
void split_bounded(std::vector<T>& items, std::size_t max_count, std::size_t max_bytes, Size size, Emit emit) {
  std::size_t i = 0;
  do {
    std::vector<T> run;
    std::size_t bytes = 0;
    while (i < items.size() && run.size() < max_count &&
           (run.empty() || bytes + size(items[i]) <= max_bytes)) {
      bytes += size(items[i]);
      run.push_back(std::move(items[i++]));
    }
    emit(std::move(run));
  } while (i < items.size());
}

}  // namespace quorum
