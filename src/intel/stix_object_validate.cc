#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "intel/detail/stix_text.h"
#include "intel/detail/stix_types.h"
#include "intel/stix_object.h"
#include "intel/stix_pattern.h"

// validate_stix_object(); docs/intel.md ("STIX object validation") lists its rules.

namespace rasid::intel {
namespace {

using detail::find_stix_type;
using detail::has_word;
using nlohmann::json;
using Kind = detail::StixKind;
using TypeSpec = detail::StixTypeSpec;

const TypeSpec* find_type(std::string_view type) { return find_stix_type(type); }

constexpr std::string_view kSdoCommon =
    "type spec_version id created modified created_by_ref revoked labels "
    "confidence lang "
    "external_references object_marking_refs granular_markings extensions";
constexpr std::string_view kScoCommon =
    "type spec_version id object_marking_refs granular_markings defanged "
    "extensions";
constexpr std::string_view kMarkingCommon =
    "type spec_version id created created_by_ref external_references "
    "object_marking_refs "
    "granular_markings extensions";

// "a", "a or b", "a, b or c" from a space-separated list.
std::string or_list(std::string_view list) {
  std::vector<std::string_view> words;
  while (!list.empty()) {
    std::size_t space = list.find(' ');
    words.push_back(list.substr(0, space));
    if (space == std::string_view::npos) break;
    list.remove_prefix(space + 1);
  }
  std::string out;
  for (std::size_t i = 0; i < words.size(); ++i) {
    if (i > 0) out += i + 1 == words.size() ? " or " : ", ";
    out += words[i];
  }
  return out;
}

// The TLP marking definitions: STIX 2.1 section 7.2.1.4 (TLP 1.0, fixed ids)
// and the TLP 2.0 extension of cti-stix-common-objects (fixed ids too). A
// marking that claims a level under another id would pass a TLP gate as that
// level, so the pair is checked.
struct TlpMarking {
  std::string_view level;
  std::string_view id;
};
constexpr TlpMarking kTlp1[] = {
    {"white", "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9"},
    {"green", "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da"},
    {"amber", "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82"},
    {"red", "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed"},
};
constexpr TlpMarking kTlp2[] = {
    {"clear", "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487"},
    {"green", "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"},
    {"amber", "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"},
    {"amber+strict", "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003"},
    {"red", "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"},
};
constexpr std::string_view kTlp2Extension =
    "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d";

const TlpMarking* find_tlp(std::span<const TlpMarking> table, std::string_view level) {
  for (const TlpMarking& m : table) {
    if (m.level == level) return &m;
  }
  return nullptr;
}

// Longest value shown in a message; the rest is cut so one bad megabyte string
// does not become a megabyte message.
constexpr std::size_t kMaxShown = 80;

// `value` for a message: scalars as JSON text, escaped (invalid UTF-8 replaced, so the message
// is valid UTF-8 whatever the input) and cut after kMaxShown bytes at a character boundary;
// lists and objects by their kind only (their text could be huge or nested deep enough to
// exhaust the stack of a recursive dump).
std::string show(const json& value) {
  if (value.is_array()) {
    return value.empty() ? "an empty list" : fmt::format("a list of {} items", value.size());
  }
  if (value.is_object()) return value.empty() ? "an empty object" : "an object";
  std::string text = value.dump(-1, ' ', false, json::error_handler_t::replace);
  if (text.size() > kMaxShown) {
    std::size_t cut = kMaxShown;
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
    text.resize(cut);
    text += "...";
  }
  return text;
}

std::string show_name(std::string_view name) { return show(json(std::string(name))); }

bool is_property_name(std::string_view name) {
  if (name.size() < 3 || name.size() > 250) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

// Dictionary keys of the hashes type (section 2.7) and extension names: 3-250
// ASCII letters, digits, '-' and '_'.
bool is_dictionary_key(std::string_view key) {
  if (key.size() < 3 || key.size() > 250) return false;
  return std::all_of(key.begin(), key.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_';
  });
}

bool is_hex(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  });
}

// RFC 5646 shape: a primary subtag of 1-8 letters, then subtags of 1-8 letters
// or digits.
bool is_language_tag(std::string_view tag) {
  if (tag.empty()) return false;
  std::size_t start = 0;
  bool first = true;
  while (start <= tag.size()) {
    std::size_t dash = tag.find('-', start);
    std::string_view part =
        tag.substr(start, dash == std::string_view::npos ? std::string_view::npos : dash - start);
    if (part.empty() || part.size() > 8) return false;
    for (char c : part) {
      bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
      bool digit = c >= '0' && c <= '9';
      if (!(alpha || (digit && !first))) return false;
    }
    first = false;
    if (dash == std::string_view::npos) break;
    start = dash + 1;
  }
  return true;
}

// The integer range of the specification (section 2.10): a signed 54-bit value.
constexpr std::int64_t kMaxStixInteger = (std::int64_t{1} << 53) - 1;
// number_observed and sighting count (sections 4.14 and 5.2).
constexpr std::int64_t kMaxCount = 999'999'999;

std::optional<std::int64_t> integer_of(const json& value) {
  if (value.is_number_integer() && !value.is_number_unsigned()) return value.get<std::int64_t>();
  if (value.is_number_unsigned()) {
    auto u = value.get<std::uint64_t>();
    if (u <= static_cast<std::uint64_t>(kMaxStixInteger)) return static_cast<std::int64_t>(u);
    return kMaxStixInteger + 1;  // out of every range below
  }
  return std::nullopt;
}

// Checks one object and collects its problems. Property-level helpers take the
// property's name (for messages and paths); value-level helpers take the value
// and its path, so nested values (kill_chain_phases[1].phase_name) use the same
// code.
class Checker {
 public:
  Checker(const json& object, std::string path_prefix, std::vector<StixProblem>& problems,
          std::vector<StixProblem>* warnings)
      : object_(object),
        prefix_(std::move(path_prefix)),
        problems_(problems),
        warnings_(warnings) {}

  void run();

 private:
  void problem(const std::string& path, std::string_view what) {
    problems_.push_back({prefix_ + path, message(path, what)});
  }
  void warning(const std::string& path, std::string_view what) {
    if (warnings_ != nullptr) warnings_->push_back({prefix_ + path, message(path, what)});
  }
  std::string message(const std::string& path, std::string_view what) const {
    if (path.empty()) return fmt::format("{}: {}", label_, what);
    return fmt::format("{}: \"{}\" {}", label_, path, what);
  }

  const json* find(std::string_view key) const {
    auto it = object_.find(std::string(key));
    return it == object_.end() ? nullptr : &*it;
  }
  const json* get(std::string_view key, bool required) {
    const json* value = find(key);
    if (value == nullptr && required) problem(std::string(key), "is required");
    return value;
  }

  // Value-level checks; each reports and returns false (or nullopt) on a bad
  // value.
  bool string_value(const json& v, const std::string& path) {
    if (v.is_string()) return true;
    problem(path, fmt::format("must be a string, got {}", show(v)));
    return false;
  }
  bool bool_value(const json& v, const std::string& path) {
    if (v.is_boolean()) return true;
    problem(path, fmt::format("must be a boolean, got {}", show(v)));
    return false;
  }
  std::optional<std::int64_t> integer_value(const json& v, const std::string& path,
                                            std::int64_t min, std::int64_t max) {
    auto i = integer_of(v);
    if (!i || *i < min || *i > max) {
      problem(path, fmt::format("must be an integer from {} to {}, got {}", min, max, show(v)));
      return std::nullopt;
    }
    return i;
  }
  std::optional<double> number_value(const json& v, const std::string& path, double min,
                                     double max) {
    if (!v.is_number() || v.get<double>() < min || v.get<double>() > max) {
      problem(path, fmt::format("must be a number from {} to {}, got {}", min, max, show(v)));
      return std::nullopt;
    }
    return v.get<double>();
  }
  std::optional<std::int64_t> timestamp_value(const json& v, const std::string& path) {
    if (v.is_string()) {
      if (auto t = parse_stix_timestamp(v.get_ref<const std::string&>())) return t;
    }
    problem(path, fmt::format("must be a STIX timestamp (YYYY-MM-DDTHH:MM:SS[.fraction]Z in UTC, "
                              "a real date), got {}",
                              show(v)));
    return std::nullopt;
  }
  // A list with at least one item (section 2.12: empty lists are prohibited).
  bool list_value(const json& v, const std::string& path) {
    if (v.is_array() && !v.empty()) return true;
    problem(path, v.is_array() ? "must not be an empty list"
                               : fmt::format("must be a list, got {}", show(v)));
    return false;
  }
  bool dictionary_value(const json& v, const std::string& path) {
    if (v.is_object() && !v.empty()) return true;
    problem(path, v.is_object() ? "must not be an empty dictionary"
                                : fmt::format("must be a dictionary, got {}", show(v)));
    return false;
  }
  void string_list_value(const json& v, const std::string& path) {
    if (!list_value(v, path)) return;
    for (std::size_t i = 0; i < v.size(); ++i) {
      string_value(v[i], fmt::format("{}[{}]", path, i));
    }
  }
  // An identifier whose type is one of `types` (space-separated; empty = any
  // type).
  bool ref_value(const json& v, const std::string& path, std::string_view types) {
    if (v.is_string()) {
      const auto& id = v.get_ref<const std::string&>();
      if (is_stix_id(id)) {
        std::string_view type = std::string_view(id).substr(0, id.find("--"));
        if (types.empty() || has_word(types, type)) return true;
        problem(path,
                fmt::format("must refer to an object of type {}, got {}", or_list(types), show(v)));
        return false;
      }
    }
    problem(path, fmt::format("must be a STIX identifier (type--UUID, lowercase){}, got {}",
                              types.empty() ? "" : " of type " + or_list(types), show(v)));
    return false;
  }
  void ref_list_value(const json& v, const std::string& path, std::string_view types) {
    if (!list_value(v, path)) return;
    for (std::size_t i = 0; i < v.size(); ++i) {
      ref_value(v[i], fmt::format("{}[{}]", path, i), types);
    }
  }
  void hashes_value(const json& v, const std::string& path);
  void kill_chain_phases_value(const json& v, const std::string& path);
  void external_references_value(const json& v, const std::string& path);
  void granular_markings_value(const json& v, const std::string& path);
  void extensions_value(const json& v, const std::string& path);

  // Property-level forms: absent and optional is fine, absent and required is a
  // problem.
  void string_prop(std::string_view key, bool required = false) {
    if (const json* v = get(key, required)) string_value(*v, std::string(key));
  }
  void bool_prop(std::string_view key, bool required = false) {
    if (const json* v = get(key, required)) bool_value(*v, std::string(key));
  }
  std::optional<std::int64_t> integer_prop(std::string_view key, std::int64_t min, std::int64_t max,
                                           bool required = false) {
    if (const json* v = get(key, required)) return integer_value(*v, std::string(key), min, max);
    return std::nullopt;
  }
  std::optional<std::int64_t> timestamp_prop(std::string_view key, bool required = false) {
    if (const json* v = get(key, required)) return timestamp_value(*v, std::string(key));
    return std::nullopt;
  }
  void string_list_prop(std::string_view key, bool required = false) {
    if (const json* v = get(key, required)) string_list_value(*v, std::string(key));
  }
  void ref_prop(std::string_view key, std::string_view types, bool required = false) {
    if (const json* v = get(key, required)) ref_value(*v, std::string(key), types);
  }
  void ref_list_prop(std::string_view key, std::string_view types, bool required = false) {
    if (const json* v = get(key, required)) ref_list_value(*v, std::string(key), types);
  }
  void hashes_prop(std::string_view key, bool required = false) {
    if (const json* v = get(key, required)) hashes_value(*v, std::string(key));
  }
  void dictionary_prop(std::string_view key, bool required = false) {
    if (const json* v = get(key, required)) dictionary_value(*v, std::string(key));
  }
  void kill_chain_phases_prop() {
    if (const json* v = find("kill_chain_phases")) {
      kill_chain_phases_value(*v, "kill_chain_phases");
    }
  }
  void enum_prop(std::string_view key, std::string_view allowed, bool required = false) {
    const json* v = get(key, required);
    if (v == nullptr || !string_value(*v, std::string(key))) return;
    if (!has_word(allowed, v->get_ref<const std::string&>())) {
      problem(std::string(key), fmt::format("must be {}, got {}", or_list(allowed), show(*v)));
    }
  }
  // later >= earlier (or > when `strict`), when both are valid timestamps.
  void order(std::string_view earlier_key, std::optional<std::int64_t> earlier,
             std::string_view later_key, std::optional<std::int64_t> later, bool strict) {
    if (!earlier || !later) return;
    if (strict ? *later <= *earlier : *later < *earlier) {
      problem(std::string(later_key),
              fmt::format("must be {} \"{}\"", strict ? "later than" : "later than or equal to",
                          earlier_key));
    }
  }
  void seen_range(std::string_view first_key, std::string_view last_key) {
    auto first = timestamp_prop(first_key);
    auto last = timestamp_prop(last_key);
    order(first_key, first, last_key, last, false);
  }
  // At least one of the space-separated properties must be present.
  void one_of(std::string_view keys) {
    std::string_view list = keys;
    while (!list.empty()) {
      std::size_t space = list.find(' ');
      if (find(list.substr(0, space)) != nullptr) return;
      if (space == std::string_view::npos) break;
      list.remove_prefix(space + 1);
    }
    problem("", "must have at least one of the properties " + or_list(keys));
  }
  void not_together(std::string_view a, std::string_view b, std::string_view why) {
    if (find(a) != nullptr && find(b) != nullptr) {
      problem(std::string(b), fmt::format("must not be present together with \"{}\"{}", a, why));
    }
  }

  void check_common(Kind kind);
  void check_custom_properties(std::string_view own, std::string_view common);
  void check_sdo(std::string_view type);
  void check_sro(std::string_view type);
  void check_sco(std::string_view type);
  void check_marking();
  void check_language_content();
  void check_extension_definition();
  void check_bundle();
  void check_indicator();

  const json& object_;
  std::string prefix_;
  std::vector<StixProblem>& problems_;
  std::vector<StixProblem>* warnings_;
  std::string label_ = "object";
  std::string type_;
};

void Checker::hashes_value(const json& v, const std::string& path) {
  if (!dictionary_value(v, path)) return;
  // Hex lengths of the algorithms of hash-algorithm-ov whose digests have one
  // fixed size.
  static constexpr std::pair<std::string_view, std::size_t> kLengths[] = {
      {"MD5", 32},      {"SHA-1", 40},    {"SHA-256", 64},
      {"SHA-512", 128}, {"SHA3-256", 64}, {"SHA3-512", 128},
  };
  for (const auto& [key, item] : v.items()) {
    std::string item_path = fmt::format("{}.{}", path, key);
    if (!is_dictionary_key(key)) {
      problem(path, fmt::format("has the key {}: hash names are 3-250 characters of a-z, A-Z, "
                                "0-9, '-' and '_'",
                                show_name(key)));
      continue;
    }
    if (!string_value(item, item_path)) continue;
    const auto& text = item.get_ref<const std::string&>();
    for (const auto& [name, length] : kLengths) {
      if (key == name && (text.size() != length || !is_hex(text))) {
        problem(item_path,
                fmt::format("must be {} hexadecimal digits, got {}", length, show(item)));
      }
    }
  }
}

void Checker::kill_chain_phases_value(const json& v, const std::string& path) {
  if (!list_value(v, path)) return;
  for (std::size_t i = 0; i < v.size(); ++i) {
    std::string item_path = fmt::format("{}[{}]", path, i);
    const json& phase = v[i];
    if (!phase.is_object()) {
      problem(item_path, fmt::format("must be a kill chain phase object, got {}", show(phase)));
      continue;
    }
    for (std::string_view key : {"kill_chain_name", "phase_name"}) {
      std::string key_path = fmt::format("{}.{}", item_path, key);
      auto it = phase.find(std::string(key));
      if (it == phase.end()) {
        problem(key_path, "is required");
      } else {
        string_value(*it, key_path);
      }
    }
  }
}

void Checker::external_references_value(const json& v, const std::string& path) {
  if (!list_value(v, path)) return;
  for (std::size_t i = 0; i < v.size(); ++i) {
    std::string item_path = fmt::format("{}[{}]", path, i);
    const json& ref = v[i];
    if (!ref.is_object()) {
      problem(item_path, fmt::format("must be an external reference object, got {}", show(ref)));
      continue;
    }
    auto source = ref.find("source_name");
    if (source == ref.end()) {
      problem(item_path + ".source_name", "is required");
    } else {
      string_value(*source, item_path + ".source_name");
    }
    bool any = false;
    for (std::string_view key : {"description", "url", "external_id"}) {
      auto it = ref.find(std::string(key));
      if (it == ref.end()) continue;
      any = true;
      string_value(*it, fmt::format("{}.{}", item_path, key));
    }
    if (!any) {
      problem(item_path,
              "must have at least one of \"description\", \"url\" "
              "or \"external_id\"");
    }
    if (auto hashes = ref.find("hashes"); hashes != ref.end()) {
      hashes_value(*hashes, item_path + ".hashes");
    }
  }
}

void Checker::granular_markings_value(const json& v, const std::string& path) {
  if (!list_value(v, path)) return;
  for (std::size_t i = 0; i < v.size(); ++i) {
    std::string item_path = fmt::format("{}[{}]", path, i);
    const json& marking = v[i];
    if (!marking.is_object()) {
      problem(item_path, fmt::format("must be a granular marking object, got {}", show(marking)));
      continue;
    }
    auto selectors = marking.find("selectors");
    if (selectors == marking.end()) {
      problem(item_path + ".selectors", "is required");
    } else {
      string_list_value(*selectors, item_path + ".selectors");
    }
    auto ref = marking.find("marking_ref");
    auto lang = marking.find("lang");
    if (ref == marking.end() && lang == marking.end()) {
      problem(item_path, "must have \"marking_ref\" or \"lang\"");
    } else if (ref != marking.end() && lang != marking.end()) {
      problem(item_path, "must not have both \"marking_ref\" and \"lang\"");
    }
    if (ref != marking.end()) ref_value(*ref, item_path + ".marking_ref", "marking-definition");
    if (lang != marking.end() && string_value(*lang, item_path + ".lang") &&
        !is_language_tag(lang->get_ref<const std::string&>())) {
      problem(item_path + ".lang",
              fmt::format("must be an RFC 5646 language tag, got {}", show(*lang)));
    }
  }
}

void Checker::extensions_value(const json& v, const std::string& path) {
  if (!dictionary_value(v, path)) return;
  for (const auto& [key, item] : v.items()) {
    // Keys are extension-definition ids or the names of the predefined
    // extensions
    // ("windows-pebinary-ext"); both fit the dictionary key form.
    bool definition = key.rfind("extension-definition--", 0) == 0;
    if (definition ? !is_stix_id(key, "extension-definition") : !is_dictionary_key(key)) {
      problem(path, fmt::format("has the key {}: extension names are an extension-definition "
                                "id or 3-250 characters of a-z, A-Z, 0-9, '-' and '_'",
                                show_name(key)));
      continue;
    }
    if (!item.is_object()) {
      problem(fmt::format("{}.{}", path, key),
              fmt::format("must be an extension object, got {}", show(item)));
    }
  }
}

void Checker::run() {
  if (!object_.is_object()) {
    problem("", fmt::format("must be a JSON object, got {}", show(object_)));
    return;
  }
  const json* type = find("type");
  if (type == nullptr) {
    problem("type", "is required");
    return;
  }
  if (!type->is_string() || !is_stix_type(type->get_ref<const std::string&>())) {
    problem("type", fmt::format("must be a STIX type name (3-250 characters of a-z, 0-9 and "
                                "'-', no leading, trailing or doubled '-'), got {}",
                                show(*type)));
    return;
  }
  type_ = type->get<std::string>();
  label_ = type_;
  const json* id = find("id");
  if (id != nullptr && id->is_string() && is_stix_id(id->get_ref<const std::string&>(), type_)) {
    label_ = id->get<std::string>();
  } else if (id == nullptr) {
    problem("id", "is required");
  } else {
    problem("id",
            fmt::format("must be \"{}--\" followed by a lowercase UUID, got {}", type_, show(*id)));
  }
  if (type_ == "bundle") {
    check_bundle();
    return;
  }
  const TypeSpec* spec = find_type(type_);
  if (spec == nullptr) {
    // A custom object or one an extension defines: its own properties are unknown, so only
    // the common properties it has are checked (none is required).
    check_common(find("created") != nullptr || find("modified") != nullptr ? Kind::kSdo
                                                                           : Kind::kSco);
    return;
  }
  check_common(spec->kind);
  switch (spec->kind) {
    case Kind::kSdo:
      check_sdo(type_);
      check_custom_properties(spec->properties, kSdoCommon);
      break;
    case Kind::kSro:
      check_sro(type_);
      check_custom_properties(spec->properties, kSdoCommon);
      break;
    case Kind::kSco:
      check_sco(type_);
      check_custom_properties(spec->properties, kScoCommon);
      break;
    case Kind::kMarking:
      check_marking();
      check_custom_properties(spec->properties, kMarkingCommon);
      break;
    case Kind::kLanguageContent:
      check_language_content();
      check_custom_properties(spec->properties, kSdoCommon);
      break;
    case Kind::kExtensionDefinition:
      check_extension_definition();
      check_custom_properties(spec->properties, kSdoCommon);
      break;
  }
}

void Checker::check_common(Kind kind) {
  bool sco = kind == Kind::kSco;
  bool versioned = kind != Kind::kSco && kind != Kind::kMarking;
  if (const json* version = get("spec_version", !sco && find_type(type_) != nullptr)) {
    if (!version->is_string() || version->get_ref<const std::string&>() != "2.1") {
      problem("spec_version", fmt::format("must be \"2.1\", got {}", show(*version)));
    }
  }
  bool known = find_type(type_) != nullptr;
  if (!sco) {
    auto created = timestamp_prop("created", known);
    auto modified = timestamp_prop("modified", known && versioned);
    order("created", created, "modified", modified, false);
    ref_prop("created_by_ref", "identity");
    bool_prop("revoked");
    string_list_prop("labels");
    integer_prop("confidence", 0, 100);
    if (const json* lang = find("lang"); lang != nullptr && string_value(*lang, "lang") &&
                                         !is_language_tag(lang->get_ref<const std::string&>())) {
      problem("lang", fmt::format("must be an RFC 5646 language tag, got {}", show(*lang)));
    }
    if (const json* refs = find("external_references")) {
      external_references_value(*refs, "external_references");
    }
  } else {
    bool_prop("defanged");
  }
  ref_list_prop("object_marking_refs", "marking-definition");
  if (const json* markings = find("granular_markings")) {
    granular_markings_value(*markings, "granular_markings");
  }
  if (const json* extensions = find("extensions")) extensions_value(*extensions, "extensions");
}

void Checker::check_custom_properties(std::string_view own, std::string_view common) {
  for (const auto& [key, value] : object_.items()) {
    if (has_word(own, key) || has_word(common, key)) continue;
    if (!is_property_name(key)) {
      problem("", fmt::format("has the property {}: property names are 3-250 characters of "
                              "a-z, 0-9 and '_'",
                              show_name(key)));
    } else if (key.rfind("x_", 0) != 0) {
      warning(key,
              "is not a property of " + type_ + "; custom property names should start with \"x_\"");
    }
  }
}

void Checker::check_indicator() {
  string_prop("name");
  string_list_prop("indicator_types");
  kill_chain_phases_prop();
  const json* pattern = get("pattern", true);
  const json* pattern_type = get("pattern_type", true);
  bool pattern_ok = pattern != nullptr && string_value(*pattern, "pattern");
  bool type_ok = pattern_type != nullptr && string_value(*pattern_type, "pattern_type");
  std::optional<StixVersion> version = StixVersion::k21;
  if (const json* pv = find("pattern_version");
      pv != nullptr && string_value(*pv, "pattern_version")) {
    version = std::nullopt;
    if (type_ok && pattern_type->get_ref<const std::string&>() == "stix") {
      auto parsed = parse_stix_version(pv->get_ref<const std::string&>());
      if (parsed) {
        version = *parsed;
      } else {
        problem("pattern_version", fmt::format("must be \"2.0\" or \"2.1\" for a STIX pattern, "
                                               "got {}",
                                               show(*pv)));
      }
    }
  }
  if (pattern_ok && type_ok && version && pattern_type->get_ref<const std::string&>() == "stix") {
    auto parsed = parse_stix_pattern(pattern->get_ref<const std::string&>(), *version);
    if (!parsed) {
      problem("pattern", "is not a valid STIX pattern: " + parsed.error().message);
    } else if (auto valid = validate_stix_pattern(*parsed); !valid) {
      problem("pattern", "is not a valid STIX pattern: " + valid.error().message);
    }
  }
  auto from = timestamp_prop("valid_from", true);
  auto until = timestamp_prop("valid_until");
  order("valid_from", from, "valid_until", until, true);
}

void Checker::check_sdo(std::string_view type) {
  if (type == "indicator") {
    check_indicator();
    return;
  }
  // Every SDO but these has a required name.
  bool name_required = type != "grouping" && type != "location" && type != "malware" &&
                       type != "malware-analysis" && type != "note" && type != "observed-data" &&
                       type != "opinion";
  const TypeSpec* spec = find_type(type);
  if (has_word(spec->properties, "name")) string_prop("name", name_required);
  if (has_word(spec->properties, "description")) string_prop("description");
  if (has_word(spec->properties, "aliases")) string_list_prop("aliases");
  if (has_word(spec->properties, "kill_chain_phases")) kill_chain_phases_prop();
  if (has_word(spec->properties, "first_seen")) seen_range("first_seen", "last_seen");

  if (type == "campaign") {
    string_prop("objective");
  } else if (type == "grouping") {
    string_prop("context", true);
    ref_list_prop("object_refs", "", true);
  } else if (type == "identity") {
    string_prop("identity_class");
    string_list_prop("roles");
    string_list_prop("sectors");
    string_prop("contact_information");
  } else if (type == "infrastructure") {
    string_list_prop("infrastructure_types");
  } else if (type == "intrusion-set") {
    string_list_prop("goals");
    string_prop("resource_level");
    string_prop("primary_motivation");
    string_list_prop("secondary_motivations");
  } else if (type == "location") {
    one_of("region country latitude longitude");
    const json* lat = find("latitude");
    const json* lon = find("longitude");
    if ((lat == nullptr) != (lon == nullptr)) {
      problem(lat == nullptr ? "latitude" : "longitude",
              fmt::format("is required when \"{}\" is present",
                          lat == nullptr ? "longitude" : "latitude"));
    }
    if (lat != nullptr) number_value(*lat, "latitude", -90.0, 90.0);
    if (lon != nullptr) number_value(*lon, "longitude", -180.0, 180.0);
    if (const json* precision = find("precision")) {
      number_value(*precision, "precision", 0.0, 1e300);
      if (lat == nullptr || lon == nullptr) {
        problem("precision", "requires \"latitude\" and \"longitude\"");
      }
    }
    for (std::string_view key :
         {"region", "country", "administrative_area", "city", "street_address", "postal_code"}) {
      string_prop(key);
    }
  } else if (type == "malware") {
    const json* family = get("is_family", true);
    if (family != nullptr && bool_value(*family, "is_family") && family->get<bool>()) {
      if (find("name") == nullptr) problem("name", "is required when \"is_family\" is true");
    }
    string_list_prop("malware_types");
    ref_list_prop("operating_system_refs", "software");
    ref_list_prop("sample_refs", "file artifact");
    string_list_prop("architecture_execution_envs");
    string_list_prop("implementation_languages");
    string_list_prop("capabilities");
  } else if (type == "malware-analysis") {
    string_prop("product", true);
    one_of("result analysis_sco_refs");
    string_prop("result");
    ref_list_prop("analysis_sco_refs", "");
    ref_prop("host_vm_ref", "software");
    ref_prop("operating_system_ref", "software");
    ref_list_prop("installed_software_refs", "software");
    ref_prop("sample_ref", "file artifact network-traffic");
    auto started = timestamp_prop("analysis_started");
    auto ended = timestamp_prop("analysis_ended");
    order("analysis_started", started, "analysis_ended", ended, false);
    timestamp_prop("submitted");
  } else if (type == "note") {
    string_prop("content", true);
    string_prop("abstract");
    string_list_prop("authors");
    ref_list_prop("object_refs", "", true);
  } else if (type == "observed-data") {
    auto first = timestamp_prop("first_observed", true);
    auto last = timestamp_prop("last_observed", true);
    order("first_observed", first, "last_observed", last, false);
    integer_prop("number_observed", 1, kMaxCount, true);
    const json* objects = find("objects");
    const json* refs = find("object_refs");
    if (objects == nullptr && refs == nullptr) {
      problem("object_refs", "is required (or the deprecated \"objects\")");
    } else if (objects != nullptr && refs != nullptr) {
      problem("objects", "must not be present together with \"object_refs\"");
    }
    if (objects != nullptr) dictionary_value(*objects, "objects");
    if (refs != nullptr) ref_list_value(*refs, "object_refs", "");
  } else if (type == "opinion") {
    enum_prop("opinion", "strongly-disagree disagree neutral agree strongly-agree", true);
    string_prop("explanation");
    string_list_prop("authors");
    ref_list_prop("object_refs", "", true);
  } else if (type == "report") {
    timestamp_prop("published", true);
    string_list_prop("report_types");
    ref_list_prop("object_refs", "", true);
  } else if (type == "threat-actor") {
    string_list_prop("threat_actor_types");
    string_list_prop("roles");
    string_list_prop("goals");
    string_prop("sophistication");
    string_prop("resource_level");
    string_prop("primary_motivation");
    string_list_prop("secondary_motivations");
    string_list_prop("personal_motivations");
  } else if (type == "tool") {
    string_list_prop("tool_types");
    string_prop("tool_version");
  }
}

// Types a relationship may not point at (section 5.1: source_ref and target_ref
// refer to an SDO or an SCO) and a sighting may not be of (section 5.2:
// sighting_of_ref refers to an SDO).
bool is_meta_or_sro(std::string_view type) {
  const TypeSpec* spec = find_type(type);
  return type == "bundle" ||
         (spec != nullptr && spec->kind != Kind::kSdo && spec->kind != Kind::kSco);
}

void Checker::check_sro(std::string_view type) {
  if (type == "relationship") {
    const json* rel = get("relationship_type", true);
    if (rel != nullptr && string_value(*rel, "relationship_type")) {
      const auto& text = rel->get_ref<const std::string&>();
      bool ok = !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
      });
      if (!ok) {
        problem("relationship_type",
                fmt::format("must be made of a-z, 0-9 and '-', got {}", show(*rel)));
      }
    }
    string_prop("description");
    for (std::string_view key : {"source_ref", "target_ref"}) {
      const json* ref = get(key, true);
      if (ref == nullptr || !ref_value(*ref, std::string(key), "")) continue;
      const auto& id = ref->get_ref<const std::string&>();
      std::string_view ref_type = std::string_view(id).substr(0, id.find("--"));
      if (is_meta_or_sro(ref_type)) {
        problem(std::string(key),
                fmt::format("must refer to an SDO or an SCO, got {}", show(*ref)));
      }
    }
    auto start = timestamp_prop("start_time");
    auto stop = timestamp_prop("stop_time");
    order("start_time", start, "stop_time", stop, true);
    return;
  }
  // sighting
  string_prop("description");
  auto first = timestamp_prop("first_seen");
  auto last = timestamp_prop("last_seen");
  order("first_seen", first, "last_seen", last, false);
  integer_prop("count", 0, kMaxCount);
  const json* of = get("sighting_of_ref", true);
  if (of != nullptr && ref_value(*of, "sighting_of_ref", "")) {
    const auto& id = of->get_ref<const std::string&>();
    std::string_view ref_type = std::string_view(id).substr(0, id.find("--"));
    const TypeSpec* spec = find_type(ref_type);
    if (is_meta_or_sro(ref_type) || (spec != nullptr && spec->kind == Kind::kSco)) {
      problem("sighting_of_ref", fmt::format("must refer to an SDO, got {}", show(*of)));
    }
  }
  ref_list_prop("observed_data_refs", "observed-data");
  ref_list_prop("where_sighted_refs", "identity location");
  bool_prop("summary");
}

void Checker::check_sco(std::string_view type) {
  if (type == "ipv4-addr" || type == "ipv6-addr") {
    const json* value = get("value", true);
    if (value != nullptr && string_value(*value, "value")) {
      auto net = detail::parse_ip_network(value->get_ref<const std::string&>());
      int want = type == "ipv4-addr" ? 4 : 16;
      if (!net || net->size != want) {
        problem("value", fmt::format("must be an {} address or CIDR block, got {}",
                                     want == 4 ? "IPv4" : "IPv6", show(*value)));
      }
    }
    ref_list_prop("resolves_to_refs", "mac-addr");
    ref_list_prop("belongs_to_refs", "autonomous-system");
  } else if (type == "mac-addr") {
    const json* value = get("value", true);
    if (value != nullptr && string_value(*value, "value")) {
      const auto& text = value->get_ref<const std::string&>();
      bool ok = text.size() == 17;
      for (std::size_t i = 0; ok && i < text.size(); ++i) {
        char c = text[i];
        ok = i % 3 == 2 ? c == ':' : ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'));
      }
      if (!ok) {
        problem("value", fmt::format("must be a lowercase, colon-separated MAC-48 address "
                                     "(00:00:5e:00:53:00), got {}",
                                     show(*value)));
      }
    }
  } else if (type == "domain-name") {
    string_prop("value", true);
    ref_list_prop("resolves_to_refs", "ipv4-addr ipv6-addr domain-name");
  } else if (type == "url") {
    string_prop("value", true);
  } else if (type == "email-addr") {
    string_prop("value", true);
    string_prop("display_name");
    ref_prop("belongs_to_ref", "user-account");
  } else if (type == "email-message") {
    const json* multipart = get("is_multipart", true);
    if (multipart != nullptr && bool_value(*multipart, "is_multipart")) {
      if (multipart->get<bool>() && find("body") != nullptr) {
        problem("body", "must not be present when \"is_multipart\" is true");
      }
      if (!multipart->get<bool>() && find("body_multipart") != nullptr) {
        problem("body_multipart", "must not be present when \"is_multipart\" is false");
      }
    }
    timestamp_prop("date");
    ref_prop("from_ref", "email-addr");
    ref_prop("sender_ref", "email-addr");
    ref_list_prop("to_refs", "email-addr");
    ref_list_prop("cc_refs", "email-addr");
    ref_list_prop("bcc_refs", "email-addr");
    ref_prop("raw_email_ref", "artifact");
  } else if (type == "file") {
    one_of("hashes name");
    hashes_prop("hashes");
    string_prop("name");
    integer_prop("size", 0, kMaxStixInteger);
    for (std::string_view key : {"ctime", "mtime", "atime"}) timestamp_prop(key);
    ref_prop("parent_directory_ref", "directory");
    ref_list_prop("contains_refs", "");
    ref_prop("content_ref", "artifact");
  } else if (type == "directory") {
    string_prop("path", true);
    for (std::string_view key : {"ctime", "mtime", "atime"}) timestamp_prop(key);
    ref_list_prop("contains_refs", "file directory");
  } else if (type == "artifact") {
    const json* payload = find("payload_bin");
    const json* url = find("url");
    if (payload == nullptr && url == nullptr) {
      problem("", "must have \"payload_bin\" or \"url\"");
    }
    not_together("payload_bin", "url", "");
    if (payload != nullptr && string_value(*payload, "payload_bin") &&
        !detail::decode_base64(payload->get_ref<const std::string&>())) {
      problem("payload_bin", "must be base64 (RFC 4648, with padding)");
    }
    if (url != nullptr) {
      string_value(*url, "url");
      if (find("hashes") == nullptr) problem("hashes", "is required when \"url\" is present");
    }
    hashes_prop("hashes");
    if (find("decryption_key") != nullptr && find("encryption_algorithm") == nullptr) {
      problem("decryption_key", "must not be present without \"encryption_algorithm\"");
    }
    enum_prop("encryption_algorithm", "AES-256-GCM ChaCha20-Poly1305 mime-type-indicated");
  } else if (type == "autonomous-system") {
    integer_prop("number", 0, kMaxStixInteger, true);
    string_prop("name");
    string_prop("rir");
  } else if (type == "mutex") {
    string_prop("name", true);
  } else if (type == "software") {
    string_prop("name", true);
    for (std::string_view key : {"cpe", "swid", "vendor", "version"}) string_prop(key);
    string_list_prop("languages");
  } else if (type == "process") {
    one_of(
        "extensions is_hidden pid created_time cwd command_line "
        "environment_variables "
        "opened_connection_refs creator_user_ref image_ref parent_ref "
        "child_refs");
    bool_prop("is_hidden");
    integer_prop("pid", 0, kMaxStixInteger);
    timestamp_prop("created_time");
    ref_list_prop("opened_connection_refs", "network-traffic");
    ref_prop("creator_user_ref", "user-account");
    ref_prop("image_ref", "file");
    ref_prop("parent_ref", "process");
    ref_list_prop("child_refs", "process");
  } else if (type == "network-traffic") {
    one_of("src_ref dst_ref");
    const json* protocols = get("protocols", true);
    if (protocols != nullptr) string_list_value(*protocols, "protocols");
    auto start = timestamp_prop("start");
    auto end = timestamp_prop("end");
    order("start", start, "end", end, false);
    const json* active = find("is_active");
    if (active != nullptr && bool_value(*active, "is_active") && active->get<bool>() &&
        find("end") != nullptr) {
      problem("end", "must not be present when \"is_active\" is true");
    }
    ref_prop("src_ref", "ipv4-addr ipv6-addr mac-addr domain-name");
    ref_prop("dst_ref", "ipv4-addr ipv6-addr mac-addr domain-name");
    integer_prop("src_port", 0, 65535);
    integer_prop("dst_port", 0, 65535);
    for (std::string_view key :
         {"src_byte_count", "dst_byte_count", "src_packets", "dst_packets"}) {
      integer_prop(key, 0, kMaxStixInteger);
    }
    ref_prop("src_payload_ref", "artifact");
    ref_prop("dst_payload_ref", "artifact");
    ref_list_prop("encapsulates_refs", "network-traffic");
    ref_prop("encapsulated_by_ref", "network-traffic");
  } else if (type == "user-account") {
    one_of(
        "extensions user_id credential account_login account_type display_name "
        "is_service_account is_privileged can_escalate_privs is_disabled "
        "account_created "
        "account_expires credential_last_changed account_first_login "
        "account_last_login");
    for (std::string_view key :
         {"is_service_account", "is_privileged", "can_escalate_privs", "is_disabled"}) {
      bool_prop(key);
    }
    for (std::string_view key : {"account_created", "account_expires", "credential_last_changed",
                                 "account_first_login", "account_last_login"}) {
      timestamp_prop(key);
    }
  } else if (type == "windows-registry-key") {
    one_of("key values modified_time creator_user_ref number_of_subkeys");
    string_prop("key");
    if (const json* values = find("values")) {
      if (list_value(*values, "values")) {
        for (std::size_t i = 0; i < values->size(); ++i) {
          if (!(*values)[i].is_object()) {
            problem(fmt::format("values[{}]", i),
                    fmt::format("must be a registry value object, got {}", show((*values)[i])));
          }
        }
      }
    }
    timestamp_prop("modified_time");
    ref_prop("creator_user_ref", "user-account");
    integer_prop("number_of_subkeys", 0, kMaxStixInteger);
  } else if (type == "x509-certificate") {
    one_of(
        "is_self_signed hashes version serial_number signature_algorithm "
        "issuer "
        "validity_not_before validity_not_after subject "
        "subject_public_key_algorithm "
        "subject_public_key_modulus subject_public_key_exponent "
        "x509_v3_extensions");
    bool_prop("is_self_signed");
    hashes_prop("hashes");
    auto before = timestamp_prop("validity_not_before");
    auto after = timestamp_prop("validity_not_after");
    order("validity_not_before", before, "validity_not_after", after, false);
  }
}

void Checker::check_marking() {
  string_prop("name");
  const json* extensions = find("extensions");
  const json* tlp2 = nullptr;
  if (extensions != nullptr && extensions->is_object()) {
    if (auto it = extensions->find(std::string(kTlp2Extension)); it != extensions->end()) {
      tlp2 = &*it;
    }
  }
  const std::string id = label_;
  if (tlp2 != nullptr) {
    std::string path = fmt::format("extensions.{}.tlp_2_0", kTlp2Extension);
    auto level = tlp2->is_object() ? tlp2->find("tlp_2_0") : tlp2->end();
    if (!tlp2->is_object() || level == tlp2->end()) {
      problem(path, "is required in the TLP 2.0 extension");
    } else if (string_value(*level, path)) {
      const TlpMarking* known = find_tlp(kTlp2, level->get_ref<const std::string&>());
      if (known == nullptr) {
        problem(path, fmt::format("must be clear, green, amber, amber+strict or red, got {}",
                                  show(*level)));
      } else if (known->id != id && is_stix_id(id)) {
        problem("id", fmt::format("must be {} for TLP 2.0 {}, the id every producer uses",
                                  known->id, known->level));
      }
    }
  }
  if (tlp2 != nullptr && find("definition_type") == nullptr && find("definition") == nullptr) {
    return;
  }
  const json* type = get("definition_type", extensions == nullptr);
  const json* definition = get("definition", extensions == nullptr || type != nullptr);
  if (type == nullptr || !string_value(*type, "definition_type") || definition == nullptr) return;
  if (!definition->is_object()) {
    problem("definition", fmt::format("must be an object, got {}", show(*definition)));
    return;
  }
  const auto& kind = type->get_ref<const std::string&>();
  if (kind == "statement") {
    auto it = definition->find("statement");
    if (it == definition->end()) {
      problem("definition.statement", "is required when \"definition_type\" is \"statement\"");
    } else {
      string_value(*it, "definition.statement");
    }
  } else if (kind == "tlp") {
    auto it = definition->find("tlp");
    if (it == definition->end()) {
      problem("definition.tlp", "is required when \"definition_type\" is \"tlp\"");
    } else if (string_value(*it, "definition.tlp")) {
      const TlpMarking* known = find_tlp(kTlp1, it->get_ref<const std::string&>());
      if (known == nullptr) {
        problem("definition.tlp",
                fmt::format("must be white, green, amber or red, got {}", show(*it)));
      } else if (known->id != id && is_stix_id(id)) {
        problem("id", fmt::format("must be {} for TLP 1.0 {} (STIX 2.1 section 7.2.1.4)", known->id,
                                  known->level));
      }
    }
  }
}

void Checker::check_language_content() {
  ref_prop("object_ref", "", true);
  timestamp_prop("object_modified");
  const json* contents = get("contents", true);
  if (contents == nullptr || !dictionary_value(*contents, "contents")) return;
  for (const auto& [lang, value] : contents->items()) {
    std::string path = fmt::format("contents.{}", lang);
    if (!is_language_tag(lang)) {
      problem("contents",
              fmt::format("has the key {}: keys are RFC 5646 language tags", show_name(lang)));
    } else if (!value.is_object()) {
      problem(path, fmt::format("must be a dictionary, got {}", show(value)));
    }
  }
}

void Checker::check_extension_definition() {
  ref_prop("created_by_ref", "identity", true);
  string_prop("name", true);
  string_prop("description");
  string_prop("schema", true);
  string_prop("version", true);
  const json* types = get("extension_types", true);
  if (types != nullptr && list_value(*types, "extension_types")) {
    for (std::size_t i = 0; i < types->size(); ++i) {
      const json& t = (*types)[i];
      std::string path = fmt::format("extension_types[{}]", i);
      if (string_value(t, path) && !has_word("new-sdo new-sco new-sro property-extension "
                                             "toplevel-property-extension",
                                             t.get_ref<const std::string&>())) {
        problem(path, fmt::format("must be new-sdo, new-sco, new-sro, property-extension or "
                                  "toplevel-property-extension, got {}",
                                  show(t)));
      }
    }
  }
  string_list_prop("extension_properties");
}

void Checker::check_bundle() {
  const json* objects = find("objects");
  if (objects == nullptr) return;  // optional in 2.1
  if (!objects->is_array()) {
    problem("objects", fmt::format("must be a list, got {}", show(*objects)));
    return;
  }
  for (std::size_t i = 0; i < objects->size(); ++i) {
    const json& object = (*objects)[i];
    std::string path = fmt::format("objects[{}]", i);
    // A bundle is no STIX object (section 8), so it holds none; refusing it here also keeps
    // the recursion one level deep whatever the input.
    if (object.is_object() && object.contains("type") && object["type"] == "bundle") {
      problem(path, "must not be a bundle (a bundle holds STIX objects only)");
      continue;
    }
    Checker inner(object, prefix_ + path + ".", problems_, warnings_);
    inner.run();
  }
}

}  // namespace

std::vector<StixProblem> validate_stix_object(const nlohmann::json& object,
                                              std::vector<StixProblem>& warnings) {
  std::vector<StixProblem> problems;
  Checker(object, "", problems, &warnings).run();
  return problems;
}

std::vector<StixProblem> validate_stix_object(const nlohmann::json& object) {
  std::vector<StixProblem> problems;
  Checker(object, "", problems, nullptr).run();
  return problems;
}

}  // namespace rasid::intel
