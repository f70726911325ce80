// The probe registry: every probe source registers exactly one well-formed probe, and the linker
// kept them all (checks/ is linked whole-archive; a plain static library registers none).
#include <gtest/gtest.h>

#include <regex>

#include "checks/probe.h"

namespace flightcheck {
namespace {

TEST(RegistryTest, EveryProbeSourceRegistered) {
  const ProbeRegistry& registry = ProbeRegistry::Global();
  EXPECT_EQ(registry.size(), static_cast<size_t>(FLIGHTCHECK_PROBE_COUNT))
      << "checks/CMakeLists.txt lists " << FLIGHTCHECK_PROBE_COUNT << " probes";
  EXPECT_TRUE(registry.Problems().empty()) << registry.Problems().front();
}

TEST(RegistryTest, DescriptorsAreComplete) {
  const std::regex name_pattern("^[a-z0-9_]+$");
  for (const ProbeEntry* entry : ProbeRegistry::Global().All()) {
    const ProbeDescriptor& d = entry->descriptor;
    EXPECT_TRUE(std::regex_match(d.name, name_pattern)) << d.name;
    EXPECT_FALSE(d.summary.empty()) << d.name;
    EXPECT_FALSE(d.facts.empty()) << d.name << " produces no facts";
    EXPECT_GT(d.default_timeout.count(), 0) << d.name;
    for (const FactSpec& fact : d.facts) {
      EXPECT_NE(FactTypeName(fact.type), "") << d.name << "." << fact.name;
      EXPECT_FALSE(fact.doc.empty()) << d.name << "." << fact.name;
    }
    for (const ParamSpec& param : d.params) {
      EXPECT_FALSE(param.doc.empty()) << d.name << "." << param.name;
      if (!param.required && !param.default_value.is_null()) {
        EXPECT_FALSE(CheckParamValue(param, param.default_value))
            << d.name << "." << param.name << " default has the wrong type";
      }
    }
  }
}

TEST(RegistryTest, RejectsDuplicatesAndBadNames) {
  ProbeRegistry registry;
  auto probe = [](const Params&, const HostContext&, Deadline) -> Result<Facts> {
    return Facts::object();
  };
  ProbeEntry entry;
  entry.descriptor.name = "dup";
  entry.descriptor.summary = "s";
  entry.function = +probe;
  EXPECT_TRUE(registry.Register(entry));
  EXPECT_FALSE(registry.Register(entry));
  entry.descriptor.name = "Bad-Name";
  registry.Register(entry);
  ASSERT_EQ(registry.Problems().size(), 2u);
  EXPECT_EQ(registry.Problems()[0], "probe 'dup' is registered twice");
  EXPECT_EQ(registry.Problems()[1], "probe name 'Bad-Name' is not of the form [a-z0-9_]+");
}

TEST(ValidateParamsTest, DefaultsTypesAndUnknowns) {
  ProbeDescriptor d;
  d.name = "p";
  d.summary = "s";
  d.params = {{"path", ParamType::kString, true, nullptr, "where"},
              {"tcp", ParamType::kIntegerList, false, nlohmann::json::array(), "ports"},
              {"names", ParamType::kStringList, false, nullptr, "names"}};
  Result<Params> ok = ValidateParams(d, {{"path", "/opt"}, {"names", "curl"}});
  ASSERT_TRUE(ok) << ok.error().ToString();
  EXPECT_EQ((*ok)["tcp"], nlohmann::json::array());
  EXPECT_EQ((*ok)["names"], nlohmann::json::array({"curl"})) << "a scalar is a list of one";
  Result<Params> empty_list = ValidateParams(d, {{"path", "/opt"}, {"names", ""}});
  EXPECT_EQ((*empty_list)["names"], nlohmann::json::array()) << "an empty variable is no items";
  EXPECT_EQ(ValidateParams(d, nlohmann::json::object()).error().message(),
            "probe 'p' needs parameter 'path' (string)");
  EXPECT_EQ(ValidateParams(d, {{"path", 1}}).error().message(),
            "parameter 'path' must be a string, got number 1");
  EXPECT_EQ(ValidateParams(d, {{"path", "/"}, {"tcp", {"x"}}}).error().message(),
            "parameter 'tcp' must be a list of integers, got list [\"x\"]");
  EXPECT_EQ(ValidateParams(d, {{"path", "/"}, {"pth", 1}}).error().message(),
            "probe 'p' has no parameter 'pth'");
}

}  // namespace
}  // namespace flightcheck
