// "Did you mean" suggestions for unknown names (keys, probes, parameters, facts, rule ids).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace flightcheck {

// Levenshtein distance (insert, delete, replace), case-sensitive.
int EditDistance(std::string_view a, std::string_view b);

// The closest candidate within a small distance (at most 3 edits and fewer edits than the word
// has characters), or nullopt. Ties go to the earliest candidate.
std::optional<std::string> SpellCheck(std::string_view word,
                                      const std::vector<std::string>& candidates);

// " (did you mean 'x'?)" or "" when there is no close candidate.
std::string DidYouMean(std::string_view word, const std::vector<std::string>& candidates);

}  // namespace flightcheck
