#include "mapping/mapping.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

namespace rasid::mapping {
namespace {

namespace fs = std::filesystem;

const char* const kSysmon = "Microsoft-Windows-Sysmon/Operational";

// All diagnostics of a sink, one a line, for failure messages.
std::string dump(const Diagnostics& diags) {
  std::string out;
  for (const auto& d : diags.items()) out += d.to_string() + "\n";
  return out;
}

const FieldCondition* find_condition(const Variant& v, std::string_view field) {
  auto it = std::find_if(v.conditions.begin(), v.conditions.end(),
                         [&](const FieldCondition& c) { return c.field == field; });
  return it == v.conditions.end() ? nullptr : &*it;
}

// The values `field` must hold under `v` ({} = must exist); fails the test when absent.
std::vector<std::string> values_of(const Variant& v, std::string_view field) {
  const FieldCondition* c = find_condition(v, field);
  EXPECT_NE(c, nullptr) << "variant " << v.name << " has no condition on " << field;
  return c ? c->values : std::vector<std::string>{};
}

using Strings = std::vector<std::string>;

// ---------------------------------------------------------------------------------------------
// The built-in mapping

TEST(MappingTest, BuiltinTextLoadsWithoutDiagnostics) {
  Mapping m;
  Diagnostics diags;
  m.add_text(Mapping::builtin_yaml(), "windows.yml", diags);
  EXPECT_TRUE(diags.empty()) << dump(diags);
  EXPECT_GT(m.size(), 80u);
  EXPECT_EQ(Mapping::builtin().size(), m.size());
}

TEST(MappingTest, BuiltinProcessCreationHasSysmonAndSecurityVariants) {
  auto v = Mapping::builtin().resolve({"windows", "process_creation", ""});
  ASSERT_TRUE(v.has_value());
  ASSERT_EQ(v->size(), 2u);

  const Variant& sysmon = (*v)[0];
  EXPECT_EQ(sysmon.name, "process_creation_sysmon");
  EXPECT_EQ(values_of(sysmon, "Channel"), Strings{kSysmon});
  EXPECT_EQ(values_of(sysmon, "EventID"), Strings{"1"});
  EXPECT_TRUE(sysmon.renames.empty());

  const Variant& security = (*v)[1];
  EXPECT_EQ(security.name, "process_creation_security");
  EXPECT_EQ(values_of(security, "Channel"), Strings{"Security"});
  EXPECT_EQ(values_of(security, "EventID"), Strings{"4688"});
  ASSERT_EQ(security.renames.size(), 2u);
  EXPECT_EQ(security.renames.at("Image"), "NewProcessName");
  EXPECT_EQ(security.renames.at("ParentImage"), "ParentProcessName");
}

TEST(MappingTest, BuiltinServiceSecurityIsTheSecurityChannel) {
  auto v = Mapping::builtin().resolve({"windows", "", "security"});
  ASSERT_TRUE(v.has_value());
  ASSERT_EQ(v->size(), 1u);
  EXPECT_EQ((*v)[0].conditions.size(), 1u);
  EXPECT_EQ(values_of((*v)[0], "Channel"), Strings{"Security"});
  EXPECT_TRUE((*v)[0].renames.empty());
}

TEST(MappingTest, BuiltinPsScriptIsEvent4104OfBothPowerShellChannels) {
  auto v = Mapping::builtin().resolve({"windows", "ps_script", ""});
  ASSERT_TRUE(v.has_value());
  ASSERT_EQ(v->size(), 1u);
  EXPECT_EQ(values_of((*v)[0], "EventID"), Strings{"4104"});
  EXPECT_EQ(values_of((*v)[0], "Channel"),
            (Strings{"Microsoft-Windows-PowerShell/Operational", "PowerShellCore/Operational"}));
}

TEST(MappingTest, BuiltinKnownResolutions) {
  struct Case {
    LogSourceKey key;
    std::string channel;
    Strings event_ids;
  };
  const std::vector<Case> cases = {
      {{"windows", "network_connection", ""}, kSysmon, {"3"}},
      {{"windows", "image_load", ""}, kSysmon, {"7"}},
      {{"windows", "process_access", ""}, kSysmon, {"10"}},
      {{"windows", "file_event", ""}, kSysmon, {"11"}},
      {{"windows", "registry_set", ""}, kSysmon, {"13"}},
      {{"windows", "registry_event", ""}, kSysmon, {"12", "13", "14"}},
      {{"windows", "pipe_created", ""}, kSysmon, {"17", "18"}},
      {{"windows", "wmi_event", ""}, kSysmon, {"19", "20", "21"}},
      {{"windows", "dns_query", ""}, kSysmon, {"22"}},
      {{"windows", "file_delete", ""}, kSysmon, {"23", "26"}},
      {{"windows", "sysmon_status", ""}, kSysmon, {"4", "16"}},
      {{"windows", "sysmon_error", ""}, kSysmon, {"255"}},
      {{"windows", "ps_module", ""}, "Microsoft-Windows-PowerShell/Operational", {"4103"}},
      {{"windows", "ps_classic_start", ""}, "Windows PowerShell", {"400"}},
      {{"windows", "ps_classic_provider_start", ""}, "Windows PowerShell", {"600"}},
      {{"windows", "ps_classic_script", ""}, "Windows PowerShell", {"800"}},
      {{"windows", "", "system"}, "System", {}},
      {{"windows", "", "application"}, "Application", {}},
      {{"windows", "", "sysmon"}, kSysmon, {}},
      {{"windows", "", "powershell-classic"}, "Windows PowerShell", {}},
      {{"windows", "", "taskscheduler"}, "Microsoft-Windows-TaskScheduler/Operational", {}},
      {{"windows", "", "wmi"}, "Microsoft-Windows-WMI-Activity/Operational", {}},
      {{"windows", "", "dns-server"}, "DNS Server", {}},
      {{"windows", "", "driver-framework"},
       "Microsoft-Windows-DriverFrameworks-UserMode/Operational",
       {}},
      {{"windows", "", "ntlm"}, "Microsoft-Windows-NTLM/Operational", {}},
      {{"windows", "", "firewall-as"},
       "Microsoft-Windows-Windows Firewall With Advanced Security/Firewall",
       {}},
      {{"windows", "", "windefend"}, "Microsoft-Windows-Windows Defender/Operational", {}},
      {{"windows", "", "bits-client"}, "Microsoft-Windows-Bits-Client/Operational", {}},
      {{"windows", "", "codeintegrity-operational"},
       "Microsoft-Windows-CodeIntegrity/Operational",
       {}},
      {{"windows", "", "appxdeployment-server"},
       "Microsoft-Windows-AppXDeploymentServer/Operational",
       {}},
  };
  const Mapping m = Mapping::builtin();
  for (const auto& c : cases) {
    SCOPED_TRACE(c.key.product + "/" + c.key.category + "/" + c.key.service);
    auto v = m.resolve(c.key);
    ASSERT_TRUE(v.has_value());
    ASSERT_EQ(v->size(), 1u);
    const Strings channels = values_of((*v)[0], "Channel");
    EXPECT_NE(std::find(channels.begin(), channels.end(), c.channel), channels.end());
    if (c.event_ids.empty()) {
      EXPECT_EQ(find_condition((*v)[0], "EventID"), nullptr);
    } else {
      EXPECT_EQ(values_of((*v)[0], "EventID"), c.event_ids);
    }
  }
}

TEST(MappingTest, BuiltinRegistryCategoriesTestTheSysmonEventType) {
  const Mapping m = Mapping::builtin();
  auto add = m.resolve({"windows", "registry_add", ""});
  ASSERT_TRUE(add.has_value());
  EXPECT_EQ(values_of((*add)[0], "EventID"), Strings{"12"});
  EXPECT_EQ(values_of((*add)[0], "EventType"), Strings{"CreateKey"});
  auto del = m.resolve({"windows", "registry_delete", ""});
  ASSERT_TRUE(del.has_value());
  EXPECT_EQ(values_of((*del)[0], "EventType"), (Strings{"DeleteKey", "DeleteValue"}));
  auto rename = m.resolve({"windows", "registry_rename", ""});
  ASSERT_TRUE(rename.has_value());
  EXPECT_EQ(values_of((*rename)[0], "EventID"), Strings{"14"});
}

TEST(MappingTest, BuiltinProductOnlyMeansAnyEventWithAChannel) {
  auto v = Mapping::builtin().resolve({"windows", "", ""});
  ASSERT_TRUE(v.has_value());
  ASSERT_EQ(v->size(), 1u);
  ASSERT_EQ((*v)[0].conditions.size(), 1u);
  EXPECT_EQ((*v)[0].conditions[0].field, "Channel");
  EXPECT_TRUE((*v)[0].conditions[0].values.empty());
}

TEST(MappingTest, BuiltinAntivirusReadsDefenderDetections) {
  auto v = Mapping::builtin().resolve({"", "antivirus", ""});
  ASSERT_TRUE(v.has_value());
  ASSERT_EQ(v->size(), 1u);
  EXPECT_EQ(values_of((*v)[0], "Channel"),
            Strings{"Microsoft-Windows-Windows Defender/Operational"});
  EXPECT_EQ((*v)[0].renames.at("Signature"), "ThreatName");
  EXPECT_EQ((*v)[0].renames.at("Filename"), "Path");
}

TEST(MappingTest, NonWindowsAndUnknownLogsourcesDoNotResolve) {
  const Mapping m = Mapping::builtin();
  EXPECT_FALSE(m.resolve({"linux", "process_creation", ""}).has_value());
  EXPECT_FALSE(m.resolve({"linux", "", "auditd"}).has_value());
  EXPECT_FALSE(m.resolve({"", "proxy", ""}).has_value());
  EXPECT_FALSE(m.resolve({"", "", ""}).has_value());
  // Never widened: an unknown category or service does not fall back to `product: windows`.
  EXPECT_FALSE(m.resolve({"windows", "no_such_category", ""}).has_value());
  EXPECT_FALSE(m.resolve({"windows", "", "no-such-service"}).has_value());
  // A known category without its product is another logsource.
  EXPECT_FALSE(m.resolve({"", "process_creation", ""}).has_value());
}

TEST(MappingTest, ResolveIgnoresTheCaseOfTheKey) {
  auto v = Mapping::builtin().resolve({"Windows", "Process_Creation", ""});
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->size(), 2u);
}

TEST(MappingTest, CategoryAndServiceIntersectTheirEntries) {
  const Mapping m = Mapping::builtin();

  auto security = m.resolve({"windows", "process_creation", "security"});
  ASSERT_TRUE(security.has_value());
  ASSERT_EQ(security->size(), 1u);
  EXPECT_EQ((*security)[0].name, "process_creation_security+service_security");
  EXPECT_EQ(values_of((*security)[0], "Channel"), Strings{"Security"});
  EXPECT_EQ(values_of((*security)[0], "EventID"), Strings{"4688"});
  EXPECT_EQ((*security)[0].renames.at("Image"), "NewProcessName");

  auto sysmon = m.resolve({"windows", "process_creation", "sysmon"});
  ASSERT_TRUE(sysmon.has_value());
  ASSERT_EQ(sysmon->size(), 1u);
  EXPECT_EQ(values_of((*sysmon)[0], "EventID"), Strings{"1"});
  EXPECT_TRUE((*sysmon)[0].renames.empty());

  // Only the channel both entries allow survives.
  auto ps = m.resolve({"windows", "ps_script", "powershell"});
  ASSERT_TRUE(ps.has_value());
  ASSERT_EQ(ps->size(), 1u);
  EXPECT_EQ(values_of((*ps)[0], "Channel"),
            (Strings{"Microsoft-Windows-PowerShell/Operational", "PowerShellCore/Operational"}));

  // No event is both a process creation and a System log event.
  EXPECT_FALSE(m.resolve({"windows", "process_creation", "system"}).has_value());
  // Unknown service: nothing to intersect with.
  EXPECT_FALSE(m.resolve({"windows", "process_creation", "no-such-service"}).has_value());
}

TEST(MappingTest, ExactCategoryAndServiceEntryWinsOverIntersection) {
  Mapping m = Mapping::builtin();
  Diagnostics diags;
  m.add_text(R"(
mappings:
  - name: sysmon_process_creation_exact
    logsource: {product: windows, category: process_creation, service: sysmon}
    conditions: {Channel: Microsoft-Windows-Sysmon/Operational, EventID: [1, 5]}
)",
             "exact.yml", diags);
  ASSERT_TRUE(diags.empty()) << dump(diags);
  auto v = m.resolve({"windows", "process_creation", "sysmon"});
  ASSERT_TRUE(v.has_value());
  ASSERT_EQ(v->size(), 1u);
  EXPECT_EQ((*v)[0].name, "sysmon_process_creation_exact");
  EXPECT_EQ(values_of((*v)[0], "EventID"), (Strings{"1", "5"}));
}

// Every `product: windows` logsource of the SigmaHQ corpus, read straight from the rule files
// (logsource only: this test must not depend on the Sigma loader).
TEST(MappingTest, BuiltinResolvesEveryWindowsLogsourceOfTheCorpus) {
  const fs::path root = fs::path(RASID_SHARED_DIR) / "data" / "sigma";
  if (!fs::exists(root / "rules")) GTEST_SKIP() << "no Sigma corpus at " << root;
  std::set<std::tuple<std::string, std::string, std::string>> keys;
  std::size_t files = 0;
  for (const char* folder : {"rules", "rules-emerging-threats", "rules-threat-hunting",
                             "rules-compliance", "rules-placeholder"}) {
    if (!fs::exists(root / folder)) continue;
    for (const auto& entry : fs::recursive_directory_iterator(root / folder)) {
      const auto ext = entry.path().extension();
      if (!entry.is_regular_file() || (ext != ".yml" && ext != ".yaml")) continue;
      ++files;
      std::vector<YAML::Node> docs;
      try {
        docs = YAML::LoadAllFromFile(entry.path().string());
      } catch (const YAML::Exception& e) {
        ADD_FAILURE() << entry.path() << ": " << e.what();
        continue;
      }
      for (const auto& doc : docs) {
        if (!doc.IsMap() || !doc["logsource"].IsDefined() || !doc["logsource"].IsMap()) continue;
        const YAML::Node ls = doc["logsource"];
        auto part = [&](const char* name) {
          const YAML::Node v = ls[name];
          return v.IsDefined() && v.IsScalar() ? v.Scalar() : std::string();
        };
        if (part("product") != "windows") continue;
        keys.emplace(part("product"), part("category"), part("service"));
      }
    }
  }
  EXPECT_GT(files, 3000u);
  EXPECT_GT(keys.size(), 60u);  // 66 at the corpus commit of SPEC-CHECKLIST.md

  const Mapping m = Mapping::builtin();
  std::string missing;
  for (const auto& [product, category, service] : keys) {
    if (!m.resolve({product, category, service})) {
      missing += product + "/" + category + "/" + service + "\n";
    }
  }
  EXPECT_EQ(missing, "") << "of " << keys.size() << " windows logsources";
}

// The demo of the README runs every one of its rules on the built-in mapping.
TEST(MappingTest, BuiltinResolvesEveryDemoRule) {
  const fs::path dir = fs::path(RASID_SOURCE_DIR) / "demo" / "rules";
  ASSERT_TRUE(fs::exists(dir));
  const Mapping m = Mapping::builtin();
  int rules = 0;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() != ".yml") continue;
    ++rules;
    const YAML::Node ls = YAML::LoadFile(entry.path().string())["logsource"];
    auto part = [&](const char* name) {
      const YAML::Node v = ls[name];
      return v.IsDefined() && v.IsScalar() ? v.Scalar() : std::string();
    };
    EXPECT_TRUE(m.resolve({part("product"), part("category"), part("service")}).has_value())
        << entry.path();
  }
  EXPECT_EQ(rules, 8);
}

// The channel names the sample logs really carry are the ones the mapping names.
TEST(MappingTest, BuiltinServicesNameTheChannelsOfTheSampleLogs) {
  const Mapping m = Mapping::builtin();
  const std::vector<std::pair<std::string, std::string>> seen = {
      {"security", "Security"},
      {"system", "System"},
      {"application", "Application"},
      {"sysmon", "Microsoft-Windows-Sysmon/Operational"},
      {"powershell", "Microsoft-Windows-PowerShell/Operational"},
      {"wmi", "Microsoft-Windows-WMI-Activity/Operational"},
  };
  for (const auto& [service, channel] : seen) {
    auto v = m.resolve({"windows", "", service});
    ASSERT_TRUE(v.has_value()) << service;
    const Strings channels = values_of((*v)[0], "Channel");
    EXPECT_NE(std::find(channels.begin(), channels.end(), channel), channels.end()) << service;
  }
}

// ---------------------------------------------------------------------------------------------
// User files

TEST(MappingTest, UserEntryWithABuiltinNameReplacesItInPlace) {
  Mapping m = Mapping::builtin();
  Diagnostics diags;
  m.add_text(R"(
mappings:
  - name: process_creation_security
    logsource: {product: windows, category: process_creation}
    conditions: {Channel: Security, EventID: 4688}
    renames: {Image: NewProcessName, ParentImage: ParentProcessName, User: SubjectUserName}
)",
             "override.yml", diags);
  ASSERT_TRUE(diags.empty()) << dump(diags);
  auto v = m.resolve({"windows", "process_creation", ""});
  ASSERT_TRUE(v.has_value());
  ASSERT_EQ(v->size(), 2u);
  EXPECT_EQ((*v)[0].name, "process_creation_sysmon");
  EXPECT_EQ((*v)[1].name, "process_creation_security");
  EXPECT_EQ((*v)[1].renames.at("User"), "SubjectUserName");
  EXPECT_EQ(m.size(), Mapping::builtin().size());
}

TEST(MappingTest, UserEntryCanMoveABuiltinNameToAnotherLogsource) {
  Mapping m = Mapping::builtin();
  Diagnostics diags;
  m.add_text(R"(
mappings:
  - name: process_creation_security
    logsource: {product: windows, category: process_creation_audit}
    conditions: {Channel: Security, EventID: 4688}
)",
             "move.yml", diags);
  ASSERT_TRUE(diags.empty()) << dump(diags);
  EXPECT_EQ(m.resolve({"windows", "process_creation", ""})->size(), 1u);
  EXPECT_EQ(m.resolve({"windows", "process_creation_audit", ""})->size(), 1u);
}

TEST(MappingTest, DisabledEntrySwitchesABuiltinOff) {
  Mapping m = Mapping::builtin();
  Diagnostics diags;
  m.add_text("mappings:\n  - {name: process_creation_security, disabled: true}\n", "off.yml",
             diags);
  ASSERT_TRUE(diags.empty()) << dump(diags);
  auto v = m.resolve({"windows", "process_creation", ""});
  ASSERT_TRUE(v.has_value());
  ASSERT_EQ(v->size(), 1u);
  EXPECT_EQ((*v)[0].name, "process_creation_sysmon");

  // Disabling the last entry of a logsource leaves it unmapped.
  m.add_text("mappings:\n  - {name: ps_script_powershell, disabled: true}\n", "off2.yml", diags);
  EXPECT_FALSE(m.resolve({"windows", "ps_script", ""}).has_value());

  // A later file can bring it back under the same name.
  m.add_text(R"(
mappings:
  - name: process_creation_security
    logsource: {product: windows, category: process_creation}
    conditions: {Channel: Security, EventID: 4688}
)",
             "on.yml", diags);
  EXPECT_TRUE(diags.empty()) << dump(diags);
  EXPECT_EQ(m.resolve({"windows", "process_creation", ""})->size(), 2u);
}

TEST(MappingTest, DisablingAnUnknownNameWarns) {
  Mapping m = Mapping::builtin();
  Diagnostics diags;
  m.add_text("mappings:\n  - {name: no_such_entry, disabled: true}\n", "off.yml", diags);
  ASSERT_EQ(diags.items().size(), 1u);
  EXPECT_EQ(diags.items()[0].severity, Severity::kWarning);
  EXPECT_EQ(diags.items()[0].to_string(),
            "off.yml:2:12: mapping entry 'no_such_entry' is disabled but no earlier entry has "
            "that name");
}

TEST(MappingTest, UserFileAddsLinuxAndCustomSources) {
  Mapping m = Mapping::builtin();
  Diagnostics diags;
  m.add_file("tests/testdata/mapping_linux.yml", diags);
  ASSERT_TRUE(diags.empty()) << dump(diags);

  auto auditd = m.resolve({"linux", "", "auditd"});
  ASSERT_TRUE(auditd.has_value());
  ASSERT_EQ(auditd->size(), 1u);
  EXPECT_EQ(values_of((*auditd)[0], "type"), Strings{});  // must exist

  auto proc = m.resolve({"linux", "process_creation", ""});
  ASSERT_TRUE(proc.has_value());
  ASSERT_EQ(proc->size(), 1u);
  EXPECT_EQ(values_of((*proc)[0], "type"), Strings{"EXECVE"});
  EXPECT_EQ((*proc)[0].renames.at("Image"), "exe");

  auto proxy = m.resolve({"", "proxy", ""});
  ASSERT_TRUE(proxy.has_value());
  EXPECT_EQ(values_of((*proxy)[0], "log_type"), Strings{"proxy"});
  EXPECT_EQ((*proxy)[0].renames.at("c-uri"), "url");

  // The Windows entries are still there.
  EXPECT_EQ(m.resolve({"windows", "process_creation", ""})->size(), 2u);
}

TEST(MappingTest, EmptyMappingResolvesNothing) {
  const Mapping m;
  EXPECT_EQ(m.size(), 0u);
  EXPECT_FALSE(m.resolve({"windows", "process_creation", ""}).has_value());
}

TEST(MappingTest, ExistsForms) {
  Mapping m;
  Diagnostics diags;
  m.add_text(R"(
mappings:
  - name: a
    logsource: {product: p}
    conditions: {A: ~, B: {exists: true}, C: null, D: "", E: [x, "2"]}
)",
             "exists.yml", diags);
  ASSERT_TRUE(diags.empty()) << dump(diags);
  auto v = m.resolve({"p", "", ""});
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(values_of((*v)[0], "A"), Strings{});
  EXPECT_EQ(values_of((*v)[0], "B"), Strings{});
  EXPECT_EQ(values_of((*v)[0], "C"), Strings{});
  EXPECT_EQ(values_of((*v)[0], "D"), Strings{""});  // a quoted empty string is a value
  EXPECT_EQ(values_of((*v)[0], "E"), (Strings{"x", "2"}));
}

TEST(MappingTest, EntryWithoutConditionsMatchesEveryEvent) {
  Mapping m;
  Diagnostics diags;
  m.add_text("mappings:\n  - {name: all, logsource: {product: myapp}}\n", "all.yml", diags);
  ASSERT_TRUE(diags.empty()) << dump(diags);
  auto v = m.resolve({"myapp", "", ""});
  ASSERT_TRUE(v.has_value());
  EXPECT_TRUE((*v)[0].conditions.empty());
}

TEST(MappingTest, GoodEntriesOfABrokenFileStillLoad) {
  Mapping m;
  Diagnostics diags;
  m.add_text(R"(
mappings:
  - name: good1
    logsource: {product: a}
  - name: bad
    logsource: {product: b}
    condition: {x: 1}
  - name: good2
    logsource: {product: c}
)",
             "mixed.yml", diags);
  EXPECT_EQ(diags.error_count(), 1u) << dump(diags);
  EXPECT_TRUE(m.resolve({"a", "", ""}).has_value());
  EXPECT_FALSE(m.resolve({"b", "", ""}).has_value());
  EXPECT_TRUE(m.resolve({"c", "", ""}).has_value());
}

TEST(MappingTest, MissingFileIsADiagnostic) {
  Mapping m;
  Diagnostics diags;
  m.add_file("tests/testdata/mapping_does_not_exist.yml", diags);
  ASSERT_EQ(diags.items().size(), 1u);
  EXPECT_EQ(diags.items()[0].to_string(),
            "tests/testdata/mapping_does_not_exist.yml: cannot open mapping file: no such file "
            "or directory");
  diags.clear();
  m.add_file("tests/testdata", diags);
  ASSERT_EQ(diags.items().size(), 1u);
  EXPECT_EQ(diags.items()[0].to_string(),
            "tests/testdata: cannot read mapping file: it is a directory");
}

TEST(MappingTest, BadFileDiagnosticsCarryFileLineAndColumn) {
  Mapping m;
  Diagnostics diags;
  m.add_file("tests/testdata/mapping_bad.yml", diags);
  ASSERT_EQ(diags.items().size(), 2u) << dump(diags);
  EXPECT_EQ(diags.items()[0].to_string(),
            "tests/testdata/mapping_bad.yml:6:16: mapping entry 'bad_channel': condition on "
            "'Channel' has an empty list of values");
  EXPECT_EQ(diags.items()[1].to_string(),
            "tests/testdata/mapping_bad.yml:10:7: mapping entry 'bad_logsource': unknown "
            "logsource key 'produkt' (expected product, category or service)");
  EXPECT_TRUE(m.resolve({"windows", "", "good"}).has_value());
}

TEST(MappingTest, LimitsRefuseHostileText) {
  Mapping m;
  Diagnostics diags;
  m.add_text("mappings: " + std::string(40, '[') + std::string(40, ']') + "\n", "deep.yml", diags);
  ASSERT_EQ(diags.items().size(), 1u);
  EXPECT_EQ(diags.items()[0].to_string(), "deep.yml: mapping file nests deeper than 32 levels");

  diags.clear();
  m.add_text("mappings:\n" + std::string(300, ' ') + "- x\n", "indent.yml", diags);
  ASSERT_EQ(diags.items().size(), 1u);
  EXPECT_EQ(diags.items()[0].to_string(), "indent.yml: mapping file nests deeper than 32 levels");

  diags.clear();
  m.add_text(std::string((4u << 20) + 1, '#'), "big.yml", diags);
  ASSERT_EQ(diags.items().size(), 1u);
  EXPECT_EQ(diags.items()[0].to_string(),
            "big.yml: mapping file is too large (4194305 bytes, limit 4194304)");

  // One 1,000-value list named 200 times through an alias: 200,000 copies.
  std::string text = "big: &big [";
  for (int i = 0; i < 1000; ++i) text += (i ? ", " : "") + std::to_string(i);
  text += "]\nmappings:\n  - name: a\n    logsource: {product: x}\n    conditions:\n";
  for (int i = 0; i < 200; ++i) text += "      F" + std::to_string(i) + ": *big\n";
  diags.clear();
  m.add_text(text, "alias.yml", diags);
  ASSERT_EQ(diags.error_count(), 1u) << dump(diags);
  EXPECT_EQ(diags.items().back().to_string(),
            "alias.yml:1:6: mapping file has more than 100000 condition values and renames");
  EXPECT_EQ(m.size(), 0u);
}

// Truncated and corrupted copies of the built-in text: the loader reports, never throws or
// crashes (the sanitizer build runs this too). A cheap stand-in for a fuzzer.
TEST(MappingTest, DamagedTextNeverThrows) {
  const std::string text(Mapping::builtin_yaml());
  for (std::size_t n = 0; n < text.size(); n += 89) {
    Mapping m;
    Diagnostics diags;
    EXPECT_NO_THROW(m.add_text(text.substr(0, n), "cut.yml", diags));
  }
  std::mt19937 rng(20261129);  // fixed seed: a failure reproduces
  const char noise[] = "{}[]:-,&*!|>'\"#~ \n\tx0";
  for (int round = 0; round < 300; ++round) {
    std::string damaged = text;
    for (int k = 0; k < 8; ++k) {
      damaged[rng() % damaged.size()] = noise[rng() % (sizeof(noise) - 1)];
    }
    Mapping m;
    Diagnostics diags;
    EXPECT_NO_THROW(m.add_text(damaged, "noise.yml", diags));
    for (const auto& v : {LogSourceKey{"windows", "process_creation", ""},
                          LogSourceKey{"windows", "", "security"}}) {
      auto r = m.resolve(v);
      if (r) {
        EXPECT_FALSE(r->empty());
      }
    }
  }
}

// The YAML examples of the user documentation load without a diagnostic.
TEST(MappingTest, DocumentationExamplesLoad) {
  std::ifstream in(std::string(RASID_SOURCE_DIR) + "/docs/mapping.md");
  ASSERT_TRUE(in) << "docs/mapping.md";
  std::string line, block;
  bool in_yaml = false;
  int blocks = 0;
  while (std::getline(in, line)) {
    if (!in_yaml && line == "```yaml") {
      in_yaml = true;
      block.clear();
    } else if (in_yaml && line == "```") {
      in_yaml = false;
      if (block.find("mappings:") != 0) continue;  // a rule excerpt, not a mapping file
      ++blocks;
      Mapping m = Mapping::builtin();
      Diagnostics diags;
      m.add_text(block, "docs/mapping.md block " + std::to_string(blocks), diags);
      EXPECT_TRUE(diags.empty()) << dump(diags) << block;
    } else if (in_yaml) {
      block += line + "\n";
    }
  }
  EXPECT_GE(blocks, 6);
}

// ---------------------------------------------------------------------------------------------
// Bad mapping text -> exact diagnostics (file:line:col: message), one a line.

struct BadCase {
  const char* name;
  const char* yaml;
  const char* expected;  // every diagnostic's to_string(), joined with "\n"
};

class MappingDiagnosticsTest : public ::testing::TestWithParam<BadCase> {};

TEST_P(MappingDiagnosticsTest, ReportsExactly) {
  const BadCase& c = GetParam();
  Mapping m;
  Diagnostics diags;
  m.add_text(c.yaml, "m.yml", diags);
  std::string got;
  for (const auto& d : diags.items()) {
    if (!got.empty()) got += "\n";
    got += d.to_string();
  }
  EXPECT_EQ(got, c.expected);
}

const BadCase kBadCases[] = {
    {"SyntaxError", "mappings:\n  - name: a\n    logsource: {product: windows\n",
     "m.yml:4:1: yaml syntax error: end of map flow not found"},
    {"EmptyFile", "", "m.yml: mapping file is empty"},
    {"TopLevelList", "- a\n- b\n", "m.yml:1:1: mapping file must be a map with a 'mappings' list"},
    {"TopLevelScalar", "hello\n", "m.yml:1:1: mapping file must be a map with a 'mappings' list"},
    {"NoMappingsKey", "mapings: []\n",
     "m.yml:1:1: unknown top-level key 'mapings' ignored (expected 'mappings')\n"
     "m.yml:1:1: mapping file must be a map with a 'mappings' list"},
    {"MappingsNotAList", "mappings: {a: 1}\n",
     "m.yml:1:11: 'mappings' must be a list of entries"},
    {"EntryNotAMap", "mappings:\n  - just text\n", "m.yml:2:5: mapping entry must be a map"},
    {"NoName", "mappings:\n  - logsource: {product: x}\n",
     "m.yml:2:5: mapping entry has no 'name'"},
    {"EmptyName", "mappings:\n  - name: ''\n    logsource: {product: x}\n",
     "m.yml:2:11: 'name' must be a non-empty string"},
    {"NameIsAList", "mappings:\n  - name: [a]\n    logsource: {product: x}\n",
     "m.yml:2:11: 'name' must be a non-empty string"},
    {"DuplicateName",
     "mappings:\n  - name: a\n    logsource: {product: x}\n  - name: a\n"
     "    logsource: {product: y}\n",
     "m.yml:4:11: duplicate mapping entry 'a' (first defined at line 2)"},
    {"UnknownEntryKey", "mappings:\n  - name: a\n    logsource: {product: x}\n    rename: {}\n",
     "m.yml:4:5: mapping entry 'a': unknown key 'rename' (expected name, logsource, "
     "conditions, renames, disabled or description)"},
    {"DuplicateEntryKey",
     "mappings:\n  - name: a\n    logsource: {product: x}\n    logsource: {product: y}\n",
     "m.yml:4:5: mapping entry 'a': duplicate key 'logsource'"},
    {"NoLogsource", "mappings:\n  - name: a\n    conditions: {Channel: Security}\n",
     "m.yml:2:5: mapping entry 'a': no 'logsource'"},
    {"LogsourceNotAMap", "mappings:\n  - name: a\n    logsource: windows\n",
     "m.yml:3:16: mapping entry 'a': 'logsource' must be a map of product, category and "
     "service"},
    {"LogsourceUnknownKey", "mappings:\n  - name: a\n    logsource: {product: x, os: y}\n",
     "m.yml:3:29: mapping entry 'a': unknown logsource key 'os' (expected product, category "
     "or service)"},
    {"LogsourceEmptyValue", "mappings:\n  - name: a\n    logsource: {product: ''}\n",
     "m.yml:3:26: mapping entry 'a': logsource 'product' must be a non-empty string"},
    {"LogsourceListValue", "mappings:\n  - name: a\n    logsource: {service: [a, b]}\n",
     "m.yml:3:26: mapping entry 'a': logsource 'service' must be a non-empty string"},
    {"LogsourceDuplicateKey",
     "mappings:\n  - name: a\n    logsource: {product: x, product: y}\n",
     "m.yml:3:29: mapping entry 'a': duplicate key 'product'"},
    {"LogsourceEmpty", "mappings:\n  - name: a\n    logsource: {}\n",
     "m.yml:3:16: mapping entry 'a': 'logsource' names no product, category or service"},
    {"ConditionsNotAMap",
     "mappings:\n  - name: a\n    logsource: {product: x}\n    conditions: [Channel]\n",
     "m.yml:4:17: mapping entry 'a': 'conditions' must be a map of field names to values"},
    {"ConditionEmptyList",
     "mappings:\n  - name: a\n    logsource: {product: x}\n    conditions: {EventID: []}\n",
     "m.yml:4:27: mapping entry 'a': condition on 'EventID' has an empty list of values"},
    {"ConditionNestedList",
     "mappings:\n  - name: a\n    logsource: {product: x}\n    conditions: {EventID: [1, [2]]}\n",
     "m.yml:4:31: mapping entry 'a': condition on 'EventID' has a list item that is not a "
     "plain value"},
    {"ConditionNullInList",
     "mappings:\n  - name: a\n    logsource: {product: x}\n    conditions: {EventID: [1, ~]}\n",
     "m.yml:4:31: mapping entry 'a': condition on 'EventID' has a list item that is not a "
     "plain value"},
    {"ConditionMap",
     "mappings:\n  - name: a\n    logsource: {product: x}\n    conditions: {EventID: {eq: 1}}\n",
     "m.yml:4:27: mapping entry 'a': condition on 'EventID' must be a value, a list of values, "
     "~ or {exists: true}"},
    {"ConditionExistsFalse",
     "mappings:\n  - name: a\n    logsource: {product: x}\n"
     "    conditions: {EventID: {exists: false}}\n",
     "m.yml:4:36: mapping entry 'a': condition on 'EventID': only 'exists: true' is supported"},
    {"ConditionDuplicateField",
     "mappings:\n  - name: a\n    logsource: {product: x}\n"
     "    conditions: {EventID: 1, EventID: 2}\n",
     "m.yml:4:30: mapping entry 'a': duplicate key 'EventID'"},
    {"ConditionEmptyField",
     "mappings:\n  - name: a\n    logsource: {product: x}\n    conditions: {'': 1}\n",
     "m.yml:4:18: mapping entry 'a': condition field names must be non-empty strings"},
    {"RenamesNotAMap",
     "mappings:\n  - name: a\n    logsource: {product: x}\n    renames: [Image]\n",
     "m.yml:4:14: mapping entry 'a': 'renames' must map rule field names to event field names"},
    {"RenameToList",
     "mappings:\n  - name: a\n    logsource: {product: x}\n    renames: {Image: [a, b]}\n",
     "m.yml:4:22: mapping entry 'a': 'renames' must map rule field names to event field names"},
    {"DisabledNotBool", "mappings:\n  - name: a\n    logsource: {product: x}\n    disabled: yes\n",
     "m.yml:4:15: mapping entry 'a': 'disabled' must be true or false"},
    {"SeveralProblemsInOneEntry",
     "mappings:\n  - name: a\n    logsource: {product: x, os: y}\n"
     "    conditions: {EventID: []}\n",
     "m.yml:3:29: mapping entry 'a': unknown logsource key 'os' (expected product, category "
     "or service)\n"
     "m.yml:4:27: mapping entry 'a': condition on 'EventID' has an empty list of values"},
    {"EmptyMappingsIsFine", "mappings:\n", ""},
};

INSTANTIATE_TEST_SUITE_P(BadMappings, MappingDiagnosticsTest, ::testing::ValuesIn(kBadCases),
                         [](const ::testing::TestParamInfo<BadCase>& param_info) {
                           return std::string(param_info.param.name);
                         });

}  // namespace
}  // namespace rasid::mapping
