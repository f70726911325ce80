// A YAML document as a tree of nodes that remember where they were written.
//
// Parsed with libyaml (the reference C parser): it is an order of magnitude faster than yaml-cpp
// on rule files (bench/README.md), reports syntax errors with the position of the cause and of
// its context, and gives every node its line and column, which diagnostics need. Unlike most YAML
// loaders it keeps every key of a map in order, duplicates included, so the rule loader can report
// them. Aliases are expanded into copies of their anchored node, positioned at the alias.
//
// Values; thread-compatible.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "checks/status.h"

namespace flightcheck {

class YamlNode {
 public:
  enum class Kind { kNull, kScalar, kSequence, kMap };

  // Declared here, defined where YamlNode is complete: clang instantiates the pair below from
  // the inline members otherwise.
  YamlNode();
  ~YamlNode();
  YamlNode(const YamlNode&);
  YamlNode(YamlNode&&) noexcept;
  YamlNode& operator=(const YamlNode&);
  YamlNode& operator=(YamlNode&&) noexcept;

  Kind kind = Kind::kNull;
  std::string scalar;   // kScalar: the text; kNull written as "~"/"null"/"" keeps its text too
  bool quoted = false;  // kScalar written in quotes or as a block: always a string, never typed
  int line = 0;         // 1-based position of the node's first character
  int column = 0;
  std::vector<YamlNode> items;                       // kSequence
  std::vector<std::pair<YamlNode, YamlNode>> pairs;  // kMap, in order, duplicates kept

  bool IsNull() const { return kind == Kind::kNull; }
  bool IsScalar() const { return kind == Kind::kScalar; }
  bool IsSequence() const { return kind == Kind::kSequence; }
  bool IsMap() const { return kind == Kind::kMap; }
  // Items of a sequence or pairs of a map; 0 otherwise.
  size_t size() const { return IsMap() ? pairs.size() : items.size(); }
  // The value of the first pair whose key is the scalar key; nullptr when there is none.
  const YamlNode* Find(std::string_view key) const;
};

struct YamlSyntaxError {
  int line = 0;  // 1-based, where the parser found the problem
  int column = 0;
  std::string message;  // "did not find expected ',' or '}' (while parsing a flow mapping at
                        // line 7, column 13)"
};

// Bounds of every YAML file flightcheck reads (rule files, config.yaml): past them parsing stops
// with an error naming the limit, so hostile input costs bounded memory, stack and time.
inline constexpr size_t kYamlMaxBytes = 16 << 20;
inline constexpr int kYamlMaxDepth = 64;
inline constexpr size_t kYamlMaxNodes = 1'000'000;  // aliases expanded

// Parses text, which must hold at most one document. A stream with no document gives a kNull
// node. On a syntax error, a second document, a string with a NUL byte or a limit above passed,
// returns ParseError and fills *error with the position and the problem.
Result<YamlNode> ParseYaml(std::string_view text, YamlSyntaxError* error);

// The node as JSON: plain scalars get YAML's core types (true/false, integers, floats), quoted
// and block scalars stay strings; of duplicate keys the first is kept (the loaders report them).
nlohmann::json YamlToJson(const YamlNode& node);

}  // namespace flightcheck
