#pragma once
// ATT&CK Navigator layers (layer format 4.5, ../shared/data/attack/navigator-layerformat-v4.5.md):
// the report's navigator-layer.json, one technique entry per technique seen, scored 0-100
// by its share of the most detected technique.

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace rasid::report {

struct LayerTechnique {
  std::string technique_id;  // T1059.001 (already remapped from revoked ids)
  std::int64_t detections = 0;
  std::vector<std::pair<std::string, std::string>> metadata;  // extra name/value rows
};

struct Layer {
  std::string name;         // required by the format
  std::string description;
  std::string attack_version;  // "18.1" -> versions.attack "18"
  std::vector<std::pair<std::string, std::string>> metadata;  // period, TLP, generator
  std::vector<LayerTechnique> techniques;
};

// The layer as JSON text (2-space indentation, keys in the spec's order, techniques sorted by
// id so the same data gives the same bytes).
[[nodiscard]] std::string render_navigator_layer(const Layer& layer);

}  // namespace rasid::report
