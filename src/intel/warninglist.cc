#include "intel/warninglist.h"

#include <filesystem>
#include <fstream>
#include <iterator>
#include <unordered_map>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <re2/re2.h>

#include "intel/detail/prefix_trie.h"

namespace rasid::intel {

namespace detail {

struct ListInfo {
  std::string name;
  std::uint32_t types = 0;  // bit per IndicatorType it applies to
};

struct WarninglistData {
  std::vector<ListInfo> lists;
  std::unordered_multimap<std::string, std::uint32_t> strings;    // exact values
  std::unordered_multimap<std::string, std::uint32_t> hostnames;  // domain and subdomains
  std::vector<std::pair<std::string, std::uint32_t>> substrings;
  std::vector<std::pair<std::unique_ptr<RE2>, std::uint32_t>> regexes;
  PrefixTrie<std::uint32_t, 32> nets4;
  PrefixTrie<Uint128, 128> nets6;
  std::size_t entries = 0;
};

}  // namespace detail

namespace {

constexpr std::uint32_t bit(IndicatorType t) { return 1u << static_cast<unsigned>(t); }
constexpr std::uint32_t kIpBits = bit(IndicatorType::kIpv4) | bit(IndicatorType::kIpv6);
constexpr std::uint32_t kHashBits = bit(IndicatorType::kMd5) | bit(IndicatorType::kSha1) | bit(IndicatorType::kSha256);
constexpr std::uint32_t kAllBits = 0xffffffffu;

// The observable types a MISP attribute type (of matching_attributes) covers.
std::uint32_t types_of_attribute(std::string_view a) {
  if (a.starts_with("ip-") || a == "domain|ip") {
    return kIpBits | (a == "domain|ip" ? bit(IndicatorType::kDomain) : 0);
  }
  if (a == "domain" || a == "hostname" || a.starts_with("hostname|")) return bit(IndicatorType::kDomain);
  if (a == "url" || a == "uri" || a == "link") return bit(IndicatorType::kUrl);
  if (a.starts_with("email") || a == "target-email" || a == "whois-registrant-email") return bit(IndicatorType::kEmail);
  if (a == "md5" || a == "sha1" || a == "sha256" || a.starts_with("filename|")) return kHashBits;
  return 0;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// The entry in the normalized form values are compared in (detect_value), or lower-cased.
std::string normalized_entry(std::string_view entry) {
  if (auto v = detect_value(entry)) return v->normalized;
  return lower(entry);
}

detail::Uint128 to_u128(const std::array<std::uint8_t, 16>& bytes) {
  detail::Uint128 v = 0;
  for (auto b : bytes) v = (v << 8) | b;
  return v;
}

}  // namespace

Warninglists::Warninglists() : data_(std::make_unique<detail::WarninglistData>()) {}
Warninglists::~Warninglists() = default;
Warninglists::Warninglists(Warninglists&&) noexcept = default;
Warninglists& Warninglists::operator=(Warninglists&&) noexcept = default;

std::size_t Warninglists::list_count() const noexcept { return data_->lists.size(); }
std::size_t Warninglists::entry_count() const noexcept { return data_->entries; }
const std::string& Warninglists::list_name(std::uint32_t list) const { return data_->lists[list].name; }

void Warninglists::add_list(std::string_view text, std::string_view source, Diagnostics& diags) {
  Location where;
  where.file = std::string(source);
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(text);
  } catch (const std::exception& e) {
    diags.error(where, "", fmt::format("invalid warninglist JSON: {}", e.what()));
    return;
  }
  if (!doc.is_object() || !doc.contains("list") || !doc["list"].is_array() || !doc.contains("type") ||
      !doc["type"].is_string()) {
    diags.error(where, "", "not a MISP warninglist (needs list and type)");
    return;
  }
  auto& d = *data_;
  std::string type = doc["type"].get<std::string>();
  if (type != "cidr" && type != "string" && type != "hostname" && type != "substring" && type != "regex") {
    diags.error(where, "", fmt::format("unknown warninglist type '{}'", type));
    return;
  }
  detail::ListInfo info;
  info.name = doc.value("name", std::string(source));
  if (auto it = doc.find("matching_attributes"); it != doc.end() && it->is_array() && !it->empty()) {
    for (const auto& a : *it) {
      if (a.is_string()) info.types |= types_of_attribute(a.get<std::string>());
    }
  } else {
    info.types = kAllBits;
  }
  auto list = static_cast<std::uint32_t>(d.lists.size());
  d.lists.push_back(std::move(info));
  std::size_t bad = 0;
  std::string first_bad;
  for (const auto& item : doc["list"]) {
    if (!item.is_string()) {
      ++bad;
      continue;
    }
    std::string entry = item.get<std::string>();
    bool ok = true;
    if (type == "cidr") {
      if (auto net = parse_ip_network(entry)) {
        if (net->v6) d.nets6.insert(to_u128(net->bytes), net->prefix, list);
        else d.nets4.insert(net->v4, net->prefix, list);
      } else {
        ok = false;
      }
    } else if (type == "string") {
      d.strings.emplace(normalized_entry(entry), list);
    } else if (type == "hostname") {
      std::string_view name = entry;
      while (name.starts_with("*.") || name.starts_with(".")) name.remove_prefix(name.front() == '*' ? 2 : 1);
      if (auto domain = normalize_domain(name)) d.hostnames.emplace(*domain, list);
      else d.strings.emplace(lower(entry), list);  // a TLD or single label: exact only
    } else if (type == "substring") {
      d.substrings.emplace_back(lower(entry), list);
    } else {
      // MISP writes PCRE as /body/flags; RE2 takes the body, 'i' becomes case-insensitive.
      std::string body = entry;
      bool icase = false;
      if (body.size() >= 2 && body.front() == '/') {
        auto close = body.rfind('/');
        if (close > 0) {
          icase = body.substr(close + 1).find('i') != std::string::npos;
          body = body.substr(1, close - 1);
        }
      }
      RE2::Options opts;
      opts.set_case_sensitive(!icase);
      opts.set_log_errors(false);
      auto re = std::make_unique<RE2>(body, opts);
      if (re->ok()) d.regexes.emplace_back(std::move(re), list);
      else ok = false;
    }
    if (ok) {
      ++d.entries;
    } else {
      if (bad == 0) first_bad = entry;
      ++bad;
    }
  }
  if (bad > 0) {
    diags.warning(where, "", fmt::format("{} entries of this {} list not loaded (first: '{}')", bad, type, first_bad));
  }
}

void Warninglists::load_folder(std::string_view folder, Diagnostics& diags) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::path root{std::string(folder)};
  if (!fs::is_directory(root, ec)) {
    Location where;
    where.file = root.string();
    diags.error(where, "", "not a folder of warninglists");
    return;
  }
  std::vector<fs::path> files;
  for (auto it = fs::recursive_directory_iterator(root, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    if (it->is_regular_file() && it->path().filename() == "list.json") files.push_back(it->path());
  }
  std::sort(files.begin(), files.end());
  for (const auto& f : files) {
    std::ifstream in(f, std::ios::binary);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    add_list(text, f.string(), diags);
  }
  if (files.empty()) {
    Location where;
    where.file = root.string();
    diags.warning(where, "", "no list.json in this folder");
  }
}

std::uint32_t Warninglists::find(IndicatorType type, std::string_view value) const {
  const auto& d = *data_;
  const std::uint32_t want = bit(type);
  auto applies = [&](std::uint32_t list) { return (d.lists[list].types & want) != 0; };
  auto in_map = [&](const std::unordered_multimap<std::string, std::uint32_t>& map, std::string_view key) {
    auto [b, e] = map.equal_range(std::string(key));
    for (auto it = b; it != e; ++it) {
      if (applies(it->second)) return it->second;
    }
    return kNone;
  };
  if (type == IndicatorType::kIpv4 || type == IndicatorType::kIpv6) {
    std::string_view address = value.substr(0, value.find('/'));
    if (auto v4 = parse_ipv4(address)) {
      if (auto n = d.nets4.longest(*v4); n != decltype(d.nets4)::kNone && applies(d.nets4.node(n).value)) {
        return d.nets4.node(n).value;
      }
    } else if (auto v6 = parse_ipv6(address)) {
      if (auto n = d.nets6.longest(to_u128(*v6)); n != decltype(d.nets6)::kNone && applies(d.nets6.node(n).value)) {
        return d.nets6.node(n).value;
      }
    }
  }
  if (auto l = in_map(d.strings, value); l != kNone) return l;
  std::string_view host = type == IndicatorType::kDomain ? value
                          : type == IndicatorType::kUrl  ? url_host(value)
                          : type == IndicatorType::kEmail ? value.substr(value.rfind('@') + 1)
                                                          : std::string_view{};
  if (!host.empty() && !d.hostnames.empty()) {
    // Hostname lists match the name and its subdomains. Lists of type url/email apply through
    // the host part too.
    for (std::string_view h = host;;) {
      auto [b, e] = d.hostnames.equal_range(std::string(h));
      for (auto it = b; it != e; ++it) {
        if ((d.lists[it->second].types & (want | bit(IndicatorType::kDomain))) != 0) return it->second;
      }
      auto dot = h.find('.');
      if (dot == std::string_view::npos) break;
      h.remove_prefix(dot + 1);
    }
  }
  if (!d.substrings.empty()) {
    std::string low = lower(value);
    for (const auto& [needle, list] : d.substrings) {
      if (applies(list) && low.find(needle) != std::string::npos) return list;
    }
  }
  for (const auto& [re, list] : d.regexes) {
    if (applies(list) && RE2::PartialMatch(value, *re)) return list;
  }
  return kNone;
}

}  // namespace rasid::intel
