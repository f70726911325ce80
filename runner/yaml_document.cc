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
  explicit TreeBuilder(std::string_view text) : parser_(new yaml_parser_t) {
    yaml_parser_initialize(parser_.get());
    yaml_parser_set_input_string(parser_.get(), reinterpret_cast<const unsigned char*>(text.data()),
                                 text.size());
  }

  Result<YamlNode> Build(YamlSyntaxError* error) {
    // stream-start, then either stream-end (empty) or document-start ... document-end.
    Event event;
    if (!Next(&event, error)) return Status::ParseError(error->message);
    Event first;
    if (!Next(&first, error)) return Status::ParseError(error->message);
    if ((*first).type != YAML_DOCUMENT_START_EVENT) return YamlNode{};
    Event start;
    if (!Next(&start, error)) return Status::ParseError(error->message);
    YamlNode root;
    if (!BuildNode(&start, &root, error)) return Status::ParseError(error->message);
    return root;
  }

 private:
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
    if (anchor != nullptr) anchors_[reinterpret_cast<const char*>(anchor)] = node;
  }

  // Builds the node that starts with *event (already parsed).
  bool BuildNode(Event* event, YamlNode* node, YamlSyntaxError* error) {
    const yaml_event_t& e = **event;
    Place(e, node);
    switch (e.type) {
      case YAML_SCALAR_EVENT: {
        node->scalar.assign(reinterpret_cast<const char*>(e.data.scalar.value),
                            e.data.scalar.length);
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
        const int line = node->line, column = node->column;
        *node = it->second;
        node->line = line;
        node->column = column;
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
          if (!BuildNode(&next, &node->items.back(), error)) return false;
        }
        if (!anchor_name.empty()) anchors_[anchor_name] = *node;
        return true;
      }
      case YAML_MAPPING_START_EVENT: {
        node->kind = YamlNode::Kind::kMap;
        const yaml_char_t* anchor = e.data.mapping_start.anchor;
        std::string anchor_name = anchor ? reinterpret_cast<const char*>(anchor) : "";
        for (;;) {
          Event key_event;
          if (!Next(&key_event, error)) return false;
          if ((*key_event).type == YAML_MAPPING_END_EVENT) break;
          node->pairs.emplace_back();
          if (!BuildNode(&key_event, &node->pairs.back().first, error)) return false;
          Event value_event;
          if (!Next(&value_event, error)) return false;
          if (!BuildNode(&value_event, &node->pairs.back().second, error)) return false;
        }
        if (!anchor_name.empty()) anchors_[anchor_name] = *node;
        return true;
      }
      default:
        error->line = node->line;
        error->column = node->column;
        error->message = "unexpected YAML event";
        return false;
    }
  }

  std::unique_ptr<yaml_parser_t, ParserDeleter> parser_;
  std::map<std::string, YamlNode> anchors_;
};

}  // namespace

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
