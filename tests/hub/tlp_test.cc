// TLP 2.0 enforcement (hub/tlp.h): the whole matrix of level x role x relation to the object,
// with the expected answer of every cell written out by hand from the rules in tlp.h.

#include "hub/tlp.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>

namespace rasid::hub {
namespace {

using store::Role;

constexpr std::int64_t kSourceId = 1;
constexpr std::int64_t kNamedId = 2;
constexpr std::int64_t kOtherId = 3;

// Relation of the viewer's authority to the object.
enum class Relation { kSource, kNamed, kOther };

struct Cell {
  Tlp tlp;
  bool names_recipients;   // the object names authority kNamedId
  bool coordinators_named;
  Role role;
  Relation relation;
  bool expected;
};

std::int64_t authority(Relation r) {
  return r == Relation::kSource ? kSourceId : r == Relation::kNamed ? kNamedId : kOtherId;
}

// Expected answers, by hand. For each level: (names recipients?, coordinators named?) and then
// per role the answer for source / named / other authority.
std::vector<Cell> matrix() {
  std::vector<Cell> cells;
  const Role roles[] = {Role::kSensor, Role::kAnalyst, Role::kCoordinator, Role::kAdmin};
  auto add = [&](Tlp tlp, bool names, bool coords, Role role, bool source, bool named, bool other) {
    cells.push_back({tlp, names, coords, role, Relation::kSource, source});
    cells.push_back({tlp, names, coords, role, Relation::kNamed, named});
    cells.push_back({tlp, names, coords, role, Relation::kOther, other});
  };
  for (bool names : {false, true}) {
    for (bool coords : {false, true}) {
      for (Role role : roles) {
        const bool coordinator = role == Role::kCoordinator;
        // CLEAR and GREEN: everyone.
        add(Tlp::kClear, names, coords, role, true, true, true);
        add(Tlp::kGreen, names, coords, role, true, true, true);
        // AMBER: source, named authorities; coordinators when none named or when named.
        {
          const bool coordinator_reads = coordinator && (!names || coords);
          add(Tlp::kAmber, names, coords, role, true, names || coordinator_reads, coordinator_reads);
        }
        // AMBER+STRICT: source and coordinators, never merely named authorities.
        add(Tlp::kAmberStrict, names, coords, role, true, coordinator, coordinator);
        // RED: source and named recipients; coordinators only when named.
        {
          const bool coordinator_reads = coordinator && coords;
          add(Tlp::kRed, names, coords, role, true, names || coordinator_reads, coordinator_reads);
        }
      }
    }
  }
  return cells;
}

TEST(TlpPolicyTest, EveryCellOfTheMatrix) {
  const auto cells = matrix();
  ASSERT_EQ(cells.size(), 2u * 2u * 4u * 5u * 3u);
  for (const auto& c : cells) {
    Sharing object{c.tlp, kSourceId, c.names_recipients ? std::vector<std::int64_t>{kNamedId} : std::vector<std::int64_t>{},
                   c.coordinators_named};
    Viewer viewer{c.role, authority(c.relation)};
    EXPECT_EQ(may_read(viewer, object), c.expected)
        << to_string(c.tlp) << " names=" << c.names_recipients << " coords=" << c.coordinators_named
        << " role=" << store::to_string(c.role) << " relation=" << static_cast<int>(c.relation);
  }
}

TEST(TlpPolicyTest, StoreLevelsMatchMayRead) {
  EXPECT_EQ(store_levels({Role::kAnalyst, kSourceId}, kSourceId),
            (std::vector<std::string>{"clear", "green", "amber", "amber+strict", "red"}));
  EXPECT_EQ(store_levels({Role::kAnalyst, kOtherId}, kSourceId), (std::vector<std::string>{"clear", "green"}));
  EXPECT_EQ(store_levels({Role::kCoordinator, kOtherId}, kSourceId),
            (std::vector<std::string>{"clear", "green", "amber", "amber+strict"}));
}

TEST(TlpNamesTest, ParseAndNames) {
  EXPECT_EQ(parse_tlp("TLP:AMBER+STRICT"), Tlp::kAmberStrict);
  EXPECT_EQ(parse_tlp("white"), Tlp::kClear);
  EXPECT_EQ(parse_tlp("Tlp:Red"), Tlp::kRed);
  EXPECT_FALSE(parse_tlp("purple").has_value());
  EXPECT_EQ(marking_name(Tlp::kAmberStrict), "TLP:AMBER+STRICT");
  EXPECT_EQ(tlp_of_markings({}), Tlp::kAmber);
  EXPECT_EQ(tlp_of_markings({"marking-definition--not-tlp"}), Tlp::kAmber);
}

// The marking-definition ids of the shared bundles (TLP 1.0 as printed in STIX 2.1, TLP 2.0
// from OASIS) map to the level their name says.
TEST(TlpNamesTest, SharedMarkingDefinitions) {
  for (const char* file : {"tlp1-marking-definitions.bundle.json", "tlp2-marking-definitions.bundle.json"}) {
    std::ifstream in(std::string(RASID_SHARED_DIR) + "/data/stix/tlp/" + file);
    ASSERT_TRUE(in) << file;
    auto bundle = nlohmann::json::parse(in);
    int seen = 0;
    for (const auto& object : bundle["objects"]) {
      const std::string id = object["id"];
      auto level = tlp_of_marking_ref(id);
      ASSERT_TRUE(level.has_value()) << id;
      EXPECT_EQ(parse_tlp(object["name"].get<std::string>()), level) << id;
      ++seen;
    }
    EXPECT_EQ(seen, std::string(file).starts_with("tlp1") ? 4 : 5);
  }
  // The most restrictive marking wins, TLP 1.0 and 2.0 mixed.
  EXPECT_EQ(tlp_of_markings({std::string(marking_ref(Tlp::kGreen)),
                             "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed"}),
            Tlp::kRed);
}

}  // namespace
}  // namespace rasid::hub
