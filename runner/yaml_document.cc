#include "runner/yaml_document.h"

#include <charconv>

#include <yaml.h>

#include <map>
#include <memory>

#include <fmt/format.h>

namespace flightcheck {
namespace {

struct ParserDeleter {
  void operator()(yaml_parser_t* parser) const {
    yaml_parser_delete(parser);
    delete parser;
  }
};

// Owns one event; libyaml events hold heap strings.
class Event {
 public:
  Event() = default;
  Event(const Event&) = delete;
  Event& operator=(const Event&) = delete;
  ~Event() { yaml_event_delete(&event_); }
  yaml_event_t* get() { return &event_; }
  const yaml_event_t& operator*() const { return event_; }

 private:
  yaml_event_t event_{};
};

class TreeBuilder {
 public:
  explicit TreeBuilder(std::string_view text)
      : parser_(new yaml_parser_t), text_size_(text.size()) {
    yaml_parser_initialize(parser_.get());
    yaml_parser_set_input_string(parser_.get(), reinterpret_cast<const unsigned char*>(text.data()),
                                 text.size());
  }

  Result<YamlNode> Build(YamlSyntaxError* error) {
    if (text_size_ > kYamlMaxBytes) {
      error->line = 1;
      error->column = 1;
      error->message = fmt::format("the file is {} bytes; a YAML file may have at most {} bytes",
                                   text_size_, kYamlMaxBytes);
      return Status::ParseError(error->message);
    }
    // stream-start, then either stream-end (empty) or document-start ... document-end.
    Event event;
    if (!Next(&event, error)) return Status::ParseError(error->message);
    Event first;
    if (!Next(&first, error)) return Status::ParseError(error->message);
    if ((*first).type != YAML_DOCUMENT_START_EVENT) return YamlNode{};
    Event start;
    if (!Next(&start, error)) return Status::ParseError(error->message);
    YamlNode root;
    if (!BuildNode(&start, &root, 0, error)) return Status::ParseError(error->message);
    // Only one document: a second one (after ---) would otherwise be ignored unread, broken or
    // not, and whatever it says silently dropped.
    Event end;
    if (!Next(&end, error)) return Status::ParseError(error->message);
    Event after;
    if (!Next(&after, error)) return Status::ParseError(error->message);
    if ((*after).type == YAML_DOCUMENT_START_EVENT) {
      return Fail(*after,
                  "a second YAML document starts here; the file must hold one document "
                  "(remove the '---' line or move the rest to its own file)",
                  error);
    }
    return root;
  }

 private:
  Status Fail(const yaml_event_t& at, std::string message, YamlSyntaxError* error) {
    error->line = static_cast<int>(at.start_mark.line) + 1;
    error->column = static_cast<int>(at.start_mark.column) + 1;
    error->message = std::move(message);
    return Status::ParseError(error->message);
  }

  bool FailAt(const YamlNode& at, std::string message, YamlSyntaxError* error) {
    error->line = at.line;
    error->column = at.column;
    error->message = std::move(message);
    return false;
  }

  // Counts nodes as they are built, aliases expanded: an alias bomb (9 levels of 9 aliases)
  // would otherwise grow to the memory limit.
  bool Count(size_t nodes, const YamlNode& at, YamlSyntaxError* error) {
    built_ += nodes;
    if (built_ <= kYamlMaxNodes) return true;
    return FailAt(at,
                  fmt::format("the document has more than {} nodes with its aliases expanded; "
                              "that is the limit (an alias repeated inside aliases multiplies)",
                              kYamlMaxNodes),
                  error);
  }

  // An alias's copy reports positions where the alias is written, not where the anchor is, so
  // that a duplicate made through an alias points at the alias.
  static void PlaceAll(YamlNode* node, int line, int column) {
    node->line = line;
    node->column = column;
    for (YamlNode& item : node->items) PlaceAll(&item, line, column);
    for (auto& [key, value] : node->pairs) {
      PlaceAll(&key, line, column);
      PlaceAll(&value, line, column);
    }
  }

  static size_t NodeCount(const YamlNode& node) {
    size_t count = 1;
    for (const YamlNode& item : node.items) count += NodeCount(item);
    for (const auto& [key, value] : node.pairs) count += NodeCount(key) + NodeCount(value);
    return count;
  }

  bool Next(Event* event, YamlSyntaxError* error) {
    if (yaml_parser_parse(parser_.get(), event->get())) return true;
    const yaml_parser_t& p = *parser_;
    error->line = static_cast<int>(p.problem_mark.line) + 1;
    error->column = static_cast<int>(p.problem_mark.column) + 1;
    error->message = p.problem != nullptr ? p.problem : "syntax error";
    if (p.context != nullptr) {
      error->message += fmt::format(" ({} at line {}, column {})", p.context,
                                    p.context_mark.line + 1, p.context_mark.column + 1);
    }
    return false;
  }

  static void Place(const yaml_event_t& event, YamlNode* node) {
    node->line = static_cast<int>(event.start_mark.line) + 1;
    node->column = static_cast<int>(event.start_mark.column) + 1;
  }

  void Remember(const yaml_char_t* anchor, const YamlNode& node) {
    if (anchor != nullptr)
      anchors_[reinterpret_cast<const char*>(anchor)] = {node, NodeCount(node)};
  }

  // Builds the node that starts with *event (already parsed), depth levels below the root.
  // Recursive, so the depth is limited: 20,000 nested brackets overflowed the stack.
  bool BuildNode(Event* event, YamlNode* node, int depth, YamlSyntaxError* error) {
    const yaml_event_t& e = **event;
    Place(e, node);
    if (depth > kYamlMaxDepth) {
      return FailAt(*node,
                    fmt::format("nesting deeper than {} levels; that is the limit", kYamlMaxDepth),
                    error);
    }
    if (e.type != YAML_ALIAS_EVENT && !Count(1, *node, error)) return false;
    switch (e.type) {
      case YAML_SCALAR_EVENT: {
        node->scalar.assign(reinterpret_cast<const char*>(e.data.scalar.value),
                            e.data.scalar.length);
        // "\0" in a quoted string: C APIs would cut the string there, so a path, a command or
        // an address would silently mean something else.
        if (node->scalar.find('\0') != std::string::npos) {
          return FailAt(*node,
                        "the string contains a NUL byte (\\0); no path, command, name or "
                        "address can hold one",
                        error);
        }
        node->quoted = e.data.scalar.style != YAML_PLAIN_SCALAR_STYLE;
        const std::string& s = node->scalar;
        const bool null_text = s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL";
        node->kind = !node->quoted && null_text ? YamlNode::Kind::kNull : YamlNode::Kind::kScalar;
        Remember(e.data.scalar.anchor, *node);
        return true;
      }
      case YAML_ALIAS_EVENT: {
        auto it = anchors_.find(reinterpret_cast<const char*>(e.data.alias.anchor));
        if (it == anchors_.end()) {
          error->line = node->line;
          error->column = node->column;
          error->message = fmt::format("unknown alias '*{}'",
                                       reinterpret_cast<const char*>(e.data.alias.anchor));
          return false;
        }
        if (!Count(it->second.nodes, *node, error)) return false;
        const int line = node->line, column = node->column;
        *node = it->second.node;
        PlaceAll(node, line, column);
        return true;
      }
      case YAML_SEQUENCE_START_EVENT: {
        node->kind = YamlNode::Kind::kSequence;
        const yaml_char_t* anchor = e.data.sequence_start.anchor;
        std::string anchor_name = anchor ? reinterpret_cast<const char*>(anchor) : "";
        for (;;) {
          Event next;
          if (!Next(&next, error)) return false;
          if ((*next).type == YAML_SEQUENCE_END_EVENT) break;
          node->items.emplace_back();
          if (!BuildNode(&next, &node->items.back(), depth + 1, error)) return false;
        }
        if (!anchor_name.empty()) anchors_[anchor_name] = {*node, NodeCount(*node)};
        return true;
      }
      case YAML_MAPPING_START_EVENT: {
        node->kind = YamlNode::Kind::kMap;
        node->pairs.reserve(4);  // most maps of a rule file are this small: one allocation
        const yaml_char_t* anchor = e.data.mapping_start.anchor;
        std::string anchor_name = anchor ? reinterpret_cast<const char*>(anchor) : "";
        for (;;) {
          Event key_event;
          if (!Next(&key_event, error)) return false;
          if ((*key_event).type == YAML_MAPPING_END_EVENT) break;
          node->pairs.emplace_back();
          if (!BuildNode(&key_event, &node->pairs.back().first, depth + 1, error)) return false;
          Event value_event;
          if (!Next(&value_event, error)) return false;
          if (!BuildNode(&value_event, &node->pairs.back().second, depth + 1, error)) {
            return false;
          }
        }
        if (!anchor_name.empty()) anchors_[anchor_name] = {*node, NodeCount(*node)};
        return true;
      }
      default:
        error->line = node->line;
        error->column = node->column;
        error->message = "unexpected YAML event";
        return false;
    }
  }

  struct Anchored {
    YamlNode node;
    size_t nodes = 0;  // in node's tree, for Count
  };

  std::unique_ptr<yaml_parser_t, ParserDeleter> parser_;
  size_t text_size_;
  std::map<std::string, Anchored> anchors_;
  size_t built_ = 0;
};

}  // namespace

YamlNode::YamlNode() = default;
YamlNode::~YamlNode() = default;
YamlNode::YamlNode(const YamlNode&) = default;
YamlNode::YamlNode(YamlNode&&) noexcept = default;
YamlNode& YamlNode::operator=(const YamlNode&) = default;
YamlNode& YamlNode::operator=(YamlNode&&) noexcept = default;

const YamlNode* YamlNode::Find(std::string_view key) const {
  for (const auto& [k, v] : pairs) {
    if (k.IsScalar() && k.scalar == key) return &v;
  }
  return nullptr;
}

Result<YamlNode> ParseYaml(std::string_view text, YamlSyntaxError* error) {
  return TreeBuilder(text).Build(error);
}

// Plain scalars get YAML's core types; quoted ones stay strings.
nlohmann::json YamlToJson(const YamlNode& node) {
  switch (node.kind) {
    case YamlNode::Kind::kNull:
      return nullptr;
    case YamlNode::Kind::kScalar: {
      const std::string& text = node.scalar;
      if (node.quoted) return text;
      if (text == "true" || text == "True" || text == "TRUE") return true;
      if (text == "false" || text == "False" || text == "FALSE") return false;
      int64_t integer = 0;
      auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), integer);
      if (ec == std::errc() && end == text.data() + text.size() && !text.empty()) return integer;
      double number = 0;
      auto [dend, dec] = std::from_chars(text.data(), text.data() + text.size(), number);
      if (dec == std::errc() && dend == text.data() + text.size() && !text.empty()) return number;
      return text;
    }
    case YamlNode::Kind::kSequence: {
      nlohmann::json list = nlohmann::json::array();
      for (const YamlNode& element : node.items) list.push_back(YamlToJson(element));
      return list;
    }
    case YamlNode::Kind::kMap: {
      nlohmann::json map = nlohmann::json::object();
      for (const auto& [key, value] : node.pairs) {
        if (!map.contains(key.scalar)) map[key.scalar] = YamlToJson(value);  // duplicates: reported
      }
      return map;
    }
  }
  return nullptr;
}

}  // namespace flightcheck
