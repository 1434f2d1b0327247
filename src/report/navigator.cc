#include "report/navigator.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace rasid::report {

std::string render_navigator_layer(const Layer& layer) {
  using Json = nlohmann::ordered_json;
  std::vector<LayerTechnique> techniques = layer.techniques;
  std::sort(techniques.begin(), techniques.end(),
            [](const LayerTechnique& a, const LayerTechnique& b) {
              return a.technique_id < b.technique_id;
            });
  std::int64_t most = 0;
  for (const auto& technique : techniques) most = std::max(most, technique.detections);

  Json doc;
  doc["name"] = layer.name;
  std::string major = layer.attack_version.substr(0, layer.attack_version.find('.'));
  doc["versions"] = Json{{"attack", major}, {"navigator", "5.1.0"}, {"layer", "4.5"}};
  doc["domain"] = "enterprise-attack";
  doc["description"] = layer.description;
  doc["filters"] = Json{{"platforms", Json::array({"Windows", "Linux", "macOS"})}};
  doc["sorting"] = 3;  // by score, descending
  doc["layout"] = Json{{"layout", "side"},           {"aggregateFunction", "max"},
                       {"showID", true},             {"showName", true},
                       {"showAggregateScores", true}, {"countUnscored", false},
                       {"expandedSubtechniques", "annotated"}};
  doc["hideDisabled"] = false;
  Json list = Json::array();
  for (const auto& technique : techniques) {
    Json entry;
    entry["techniqueID"] = technique.technique_id;
    entry["score"] = most > 0 ? std::llround(100.0 * static_cast<double>(technique.detections) /
                                             static_cast<double>(most))
                              : 0;
    entry["color"] = "";
    entry["comment"] = fmt::format("{} deduplicated detection{} in the period",
                                   technique.detections, technique.detections == 1 ? "" : "s");
    entry["enabled"] = true;
    Json metadata = Json::array();
    metadata.push_back(Json{{"name", "detections"}, {"value", std::to_string(technique.detections)}});
    for (const auto& [name, value] : technique.metadata) {
      metadata.push_back(Json{{"name", name}, {"value", value}});
    }
    entry["metadata"] = std::move(metadata);
    entry["links"] = Json::array();
    entry["showSubtechniques"] = false;
    list.push_back(std::move(entry));
  }
  doc["techniques"] = std::move(list);
  doc["gradient"] = Json{{"colors", Json::array({"#ffffffff", "#ffb366ff", "#e31a1cff"})},
                         {"minValue", 0},
                         {"maxValue", 100}};
  doc["legendItems"] = Json::array({Json{{"label", "no detections"}, {"color", "#ffffff"}},
                                    Json{{"label", fmt::format("most detected ({})", most)},
                                         {"color", "#e31a1c"}}});
  Json metadata = Json::array();
  for (const auto& [name, value] : layer.metadata) {
    metadata.push_back(Json{{"name", name}, {"value", value}});
  }
  doc["metadata"] = std::move(metadata);
  doc["links"] = Json::array();
  doc["showTacticRowBackground"] = false;
  doc["tacticRowBackground"] = "#dddddd";
  doc["selectTechniquesAcrossTactics"] = true;
  doc["selectSubtechniquesWithParent"] = false;
  doc["selectVisibleTechniques"] = false;
  return doc.dump(2) + "\n";
}

}  // namespace rasid::report
