#include "report/navigator.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace rasid::report {
namespace {

// Fields the layer format 4.5 marks required: name, domain (enterprise-attack), and for each
// technique techniqueID; versions.layer must say 4.5 for Navigator to read 4.5 features.
TEST(NavigatorLayerTest, RequiredFieldsAndScores) {
  Layer layer;
  layer.name = "National detections 2026-Q3";
  layer.description = "rasid report";
  layer.attack_version = "18.1";
  layer.metadata = {{"period", "2026-07-01/2026-09-30"}, {"tlp", "TLP:AMBER"}};
  layer.techniques = {{"T1059.001", 40, {{"authorities", "3"}}}, {"T1003", 10, {}},
                      {"T1078", 1, {}}};
  auto doc = nlohmann::json::parse(render_navigator_layer(layer));
  EXPECT_EQ(doc["name"], "National detections 2026-Q3");
  EXPECT_EQ(doc["domain"], "enterprise-attack");
  EXPECT_EQ(doc["versions"]["layer"], "4.5");
  EXPECT_EQ(doc["versions"]["attack"], "18");
  ASSERT_EQ(doc["techniques"].size(), 3u);
  // Sorted by id; score = round(100 * detections / 40).
  EXPECT_EQ(doc["techniques"][0]["techniqueID"], "T1003");
  EXPECT_EQ(doc["techniques"][0]["score"], 25);
  EXPECT_EQ(doc["techniques"][1]["techniqueID"], "T1059.001");
  EXPECT_EQ(doc["techniques"][1]["score"], 100);
  EXPECT_EQ(doc["techniques"][1]["metadata"][1]["name"], "authorities");
  EXPECT_EQ(doc["techniques"][2]["score"], 3);  // 2.5 rounds away from zero
  EXPECT_EQ(doc["techniques"][2]["comment"], "1 deduplicated detection in the period");
  EXPECT_EQ(doc["metadata"][1]["value"], "TLP:AMBER");
  EXPECT_EQ(doc["gradient"]["maxValue"], 100);
}

TEST(NavigatorLayerTest, EmptyLayerIsValid) {
  Layer layer;
  layer.name = "empty";
  layer.attack_version = "18.1";
  auto doc = nlohmann::json::parse(render_navigator_layer(layer));
  EXPECT_TRUE(doc["techniques"].is_array());
  EXPECT_TRUE(doc["techniques"].empty());
}

}  // namespace
}  // namespace rasid::report
