#include "runner/spellcheck.h"

#include <algorithm>
#include <numeric>

namespace flightcheck {

int EditDistance(std::string_view a, std::string_view b) {
  std::vector<int> row(b.size() + 1);
  std::iota(row.begin(), row.end(), 0);
  for (size_t i = 1; i <= a.size(); ++i) {
    int diagonal = row[0];
    row[0] = static_cast<int>(i);
    for (size_t j = 1; j <= b.size(); ++j) {
      const int above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::optional<std::string> SpellCheck(std::string_view word,
                                      const std::vector<std::string>& candidates) {
  constexpr int kMaxDistance = 3;
  std::optional<std::string> best;
  int best_distance = kMaxDistance + 1;
  for (const std::string& candidate : candidates) {
    const int distance = EditDistance(word, candidate);
    if (distance < best_distance && distance < static_cast<int>(word.size())) {
      best_distance = distance;
      best = candidate;
    }
  }
  return best;
}

std::string DidYouMean(std::string_view word, const std::vector<std::string>& candidates) {
  const std::optional<std::string> suggestion = SpellCheck(word, candidates);
  return suggestion ? " (did you mean '" + *suggestion + "'?)" : "";
}

}  // namespace flightcheck
