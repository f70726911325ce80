// libFuzzer harness for the condition language: the input is
//
//   <probe selector byte><expect map, YAML>\n%%\n<facts, JSON>
//
// The selector picks the probe whose descriptor the expect map is compiled against: 0 none (facts
// and types unchecked, so matchers also meet values of types the loader would refuse), n the
// (n-1)th probe in name order, modulo their number. An expectation that compiles is evaluated
// against the facts (null when they are not JSON) and rendered as JSON. docs/fuzzing.md.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "checks/probe.h"
#include "runner/expectation_parser.h"
#include "runner/matcher.h"
#include "runner/yaml_document.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace flightcheck;
  if (size == 0) return 0;
  static const std::vector<const ProbeEntry*> probes = ProbeRegistry::Global().All();
  const ProbeDescriptor* descriptor =
      data[0] == 0 ? nullptr : &probes[(data[0] - 1u) % probes.size()]->descriptor;

  const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  const size_t separator = input.find("\n%%\n");
  const std::string_view expect_text = input.substr(0, separator);
  const std::string_view facts_text =
      separator == std::string_view::npos ? std::string_view() : input.substr(separator + 4);

  YamlSyntaxError syntax_error;
  const Result<YamlNode> expect = ParseYaml(expect_text, &syntax_error);
  if (!expect || !expect->IsMap() || expect->size() == 0) return 0;
  bool problems = false;
  const Expectation expectation = ParseExpectation(
      *expect, descriptor, [&problems](const YamlNode&, std::string) { problems = true; });
  if (problems) return 0;

  nlohmann::json facts = nlohmann::json::parse(facts_text.begin(), facts_text.end(), nullptr,
                                               /*allow_exceptions=*/false);
  if (facts.is_discarded()) facts = nullptr;
  const Expectation::Outcome outcome = expectation.Evaluate(facts);
  (void)outcome.message;
  (void)expectation.ToJson().dump();
  return 0;
}
