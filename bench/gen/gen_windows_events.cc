// gen_windows_events: a deterministic generator of realistic Windows events, one flat JSON object
// a line (the convention of ../shared/data/samples/README.md), for the benchmarks in bench/.
//
// At start it reads the real sample events (--samples DIR, every *.jsonl below it, in path
// order) and groups them by (Channel, EventID). Each generated event starts from a real sample
// event of a group (channels weighted as in a typical collection with Sysmon, see kChannelMix;
// event ids within a channel by the square root of their sample counts), then:
//   - TimeCreated increases (random steps, 60 ms on average), EventRecordID counts up, UtcTime
//     follows TimeCreated;
//   - Computer is one of 400 synthetic hosts (machine accounts NAME$ follow it), the user one of
//     1,600 synthetic users (Sysmon DOMAIN\user fields, Security Subject/TargetUserName,
//     C:\Users\<name>\ in paths), except system accounts, which stay;
//   - process ids, logon ids and process/logon GUIDs are fresh random values in the format the
//     sample used (decimal or 0x hex, braces and case of GUIDs);
//   - command lines are recombined: the arguments of CommandLine/ParentCommandLine are, half of
//     the time, those of another sample command line of the same field and executable;
//   - other payload fields take, with a small probability, another value that the same field had
//     in the same group (the value distribution of the samples), except fields that decide what
//     a process does (see swappable()).
// Sample events that fire some SigmaHQ rule (listed in --firing, see bench/gen/list_firing.sh)
// are kept out of the templates and value pools; a tiny fraction of generated events
// (--replay-rate) is one of them replayed verbatim (only TimeCreated and EventRecordID
// rewritten), picked uniformly among the distinct sets of rules they fire. With the defaults
// about 0.1% of events match a rule of ../shared/data/sigma/rules/windows (bench/README.md).
//
// The same samples, firing list, seed and size give the same bytes on every machine: the random
// generator and every distribution are implemented here, not taken from <random>.

#include <simdjson.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "base/json_text.h"

namespace {

namespace fs = std::filesystem;

// ---------------------------------------------------------------------------------------------
// Deterministic random numbers: splitmix64 seeding xoshiro256**.

class Rng {
 public:
  explicit Rng(uint64_t seed) {
    for (auto& s : state_) {
      seed += 0x9e3779b97f4a7c15ULL;
      uint64_t z = seed;
      z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
      z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
      s = z ^ (z >> 31);
    }
  }
  uint64_t next() {
    const uint64_t result = rotl(state_[1] * 5, 7) * 9;
    const uint64_t t = state_[1] << 17;
    state_[2] ^= state_[0];
    state_[3] ^= state_[1];
    state_[1] ^= state_[2];
    state_[0] ^= state_[3];
    state_[2] ^= t;
    state_[3] = rotl(state_[3], 45);
    return result;
  }
  // Uniform in [0, n); n > 0. The modulo bias is negligible for the small n used here.
  uint64_t below(uint64_t n) { return next() % n; }
  double unit() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  bool chance(double p) { return unit() < p; }

 private:
  static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t state_[4]{};
};

// ---------------------------------------------------------------------------------------------
// Sample events.

struct Field {
  std::string key;
  std::string value;  // unescaped text for strings, raw JSON otherwise
  bool is_string = true;
};

struct Sample {
  std::vector<Field> fields;
  std::string file;  // path relative to --samples
  int line = 0;
  bool firing = false;
};

// Share of each channel among generated events, modelled on a Windows collection with Sysmon
// (security and process telemetry dominate); the samples themselves are 56% Security, 27%
// Application and 1% Sysmon. Channels not listed share kOtherChannels.
constexpr std::pair<std::string_view, double> kChannelMix[] = {
    {"Security", 0.38},
    {"Microsoft-Windows-Sysmon/Operational", 0.30},
    {"Application", 0.10},
    {"Microsoft-Windows-PowerShell/Operational", 0.07},
    {"System", 0.06},
    {"Microsoft-Windows-WMI-Activity/Operational", 0.03},
    {"Windows PowerShell", 0.02},
};
constexpr double kOtherChannels = 0.04;

struct Group {
  std::vector<size_t> bases;  // non-firing samples of this (Channel, EventID)
  std::unordered_map<std::string, std::vector<const std::string*>> pools;  // field -> values
};

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool all_of_class(std::string_view s, int (*pred)(int)) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!pred(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

bool is_hex_value(std::string_view v) {  // 0x1a2b
  return v.size() > 2 && v[0] == '0' && v[1] == 'x' && all_of_class(v.substr(2), isxdigit);
}

bool is_guid_value(std::string_view v) {  // {8-4-4-4-12} or without braces
  if (v.size() == 38 && v.front() == '{' && v.back() == '}') v = v.substr(1, 36);
  if (v.size() != 36) return false;
  for (size_t i = 0; i < v.size(); ++i) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? v[i] != '-' : !std::isxdigit(static_cast<unsigned char>(v[i]))) return false;
  }
  return true;
}

// Splits a command line into the executable part (with its quotes) and the rest.
std::pair<std::string_view, std::string_view> split_command(std::string_view cl) {
  size_t end;
  if (!cl.empty() && cl.front() == '"') {
    end = cl.find('"', 1);
    end = end == std::string_view::npos ? cl.size() : end + 1;
  } else {
    end = cl.find(' ');
    if (end == std::string_view::npos) end = cl.size();
  }
  return {cl.substr(0, end), cl.substr(end)};
}

std::string exe_basename(std::string_view exe) {
  while (!exe.empty() && exe.front() == '"') exe.remove_prefix(1);
  while (!exe.empty() && exe.back() == '"') exe.remove_suffix(1);
  size_t slash = exe.find_last_of("\\/");
  if (slash != std::string_view::npos) exe = exe.substr(slash + 1);
  return lower(exe);
}

bool is_system_account(std::string_view name) {
  std::string u = lower(name);
  return u.empty() || u == "-" || ends_with(u, "$") || u.find("system") != std::string::npos ||
         u.find("service") != std::string::npos || u.find("authority") != std::string::npos ||
         u.find("anonymous") != std::string::npos || u.find("dwm-") != std::string::npos ||
         u.find("umfd-") != std::string::npos;
}

// The firing list: "relpath<TAB>first-last<TAB>rule ids" lines; '#' starts a comment.
struct FiringRun {
  std::string file;
  int first = 0, last = 0;
  std::string rules;
};

std::vector<FiringRun> read_firing(const std::string& path) {
  std::vector<FiringRun> runs;
  std::ifstream in(path);
  if (!in) {
    std::fprintf(stderr, "gen: no firing list %s: no sample event is kept out or replayed\n",
                 path.c_str());
    return runs;
  }
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream ls(line);
    FiringRun r;
    std::string range;
    if (!std::getline(ls, r.file, '\t') || !std::getline(ls, range, '\t')) continue;
    std::getline(ls, r.rules);
    if (std::sscanf(range.c_str(), "%d-%d", &r.first, &r.last) != 2) continue;
    runs.push_back(std::move(r));
  }
  return runs;
}

// ---------------------------------------------------------------------------------------------
// Output.


// Days since 1970-01-01 to civil date (H. Hinnant's algorithm).
void civil_from_days(int64_t z, int& y, unsigned& m, unsigned& d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y = static_cast<int>(yoe + era * 400 + (m <= 2 ? 1 : 0));
}

// "2024-03-01T00:00:00.123456Z" (iso) or "2024-03-01 00:00:00.123" (Sysmon UtcTime).
std::string format_time(int64_t us, bool iso) {
  int64_t secs = us / 1000000;
  int64_t frac = us % 1000000;
  int y;
  unsigned mo, d;
  civil_from_days(secs / 86400, y, mo, d);
  int64_t sod = secs % 86400;
  char buf[96];
  if (iso) {
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d.%06dZ", y, mo, d,
                  static_cast<int>(sod / 3600), static_cast<int>(sod / 60 % 60),
                  static_cast<int>(sod % 60), static_cast<int>(frac));
  } else {
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02u %02d:%02d:%02d.%03d", y, mo, d,
                  static_cast<int>(sod / 3600), static_cast<int>(sod / 60 % 60),
                  static_cast<int>(sod % 60), static_cast<int>(frac / 1000));
  }
  return buf;
}

// ---------------------------------------------------------------------------------------------

struct Options {
  std::string samples = "../shared/data/samples/jsonl";
  std::string firing = "bench/gen/firing_samples.tsv";
  std::string output;  // empty: stdout
  uint64_t seed = 1;
  uint64_t bytes = 0;
  uint64_t events = 0;
  double replay_rate = 0.001;
  bool stats = false;
};

[[noreturn]] void usage(int code) {
  std::fputs(
      "usage: gen_windows_events [--samples DIR] [--firing FILE] [--seed N]\n"
      "                          [--bytes N | --events N] [--replay-rate P] [-o FILE] [--stats]\n"
      "  --samples DIR      real sample events, *.jsonl (default ../shared/data/samples/jsonl)\n"
      "  --firing FILE      sample events that fire a rule (default bench/gen/firing_samples.tsv)\n"
      "  --seed N           random seed (default 1)\n"
      "  --bytes N          stop once N bytes are written (suffixes K, M, G: powers of 1024)\n"
      "  --events N         stop after N events (default 100000 if neither is given)\n"
      "  --replay-rate P    fraction of events that replay a firing sample event (default 0.001)\n"
      "  -o FILE            output file (default standard output)\n"
      "  --stats            print counts to standard error at the end\n",
      code == 0 ? stdout : stderr);
  std::exit(code);
}

uint64_t parse_size(const char* s) {
  char* end = nullptr;
  double v = std::strtod(s, &end);
  if (end == s || v < 0) usage(2);
  switch (*end) {
    case 'k': case 'K': v *= 1024.0; break;
    case 'm': case 'M': v *= 1024.0 * 1024; break;
    case 'g': case 'G': v *= 1024.0 * 1024 * 1024; break;
    case '\0': break;
    default: usage(2);
  }
  return static_cast<uint64_t>(v);
}

Options parse_options(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    auto value = [&]() -> const char* {
      if (i + 1 >= argc) usage(2);
      return argv[++i];
    };
    if (a == "--samples") o.samples = value();
    else if (a == "--firing") o.firing = value();
    else if (a == "--seed") o.seed = std::strtoull(value(), nullptr, 10);
    else if (a == "--bytes") o.bytes = parse_size(value());
    else if (a == "--events") o.events = parse_size(value());
    else if (a == "--replay-rate") o.replay_rate = std::strtod(value(), nullptr);
    else if (a == "-o" || a == "--output") o.output = value();
    else if (a == "--stats") o.stats = true;
    else if (a == "-h" || a == "--help") usage(0);
    else usage(2);
  }
  if (o.bytes == 0 && o.events == 0) o.events = 100000;
  return o;
}

class Generator {
 public:
  Generator(const Options& o) : opt_(o), rng_(o.seed) {}

  bool load() {
    std::vector<fs::path> files;
    std::error_code ec;
    for (fs::recursive_directory_iterator it(opt_.samples, ec), end; !ec && it != end;
         it.increment(ec)) {
      if (it->is_regular_file() && it->path().extension() == ".jsonl") files.push_back(it->path());
    }
    if (ec || files.empty()) {
      std::fprintf(stderr, "gen: no *.jsonl sample under %s\n", opt_.samples.c_str());
      return false;
    }
    std::sort(files.begin(), files.end());
    simdjson::dom::parser parser;
    for (const auto& path : files) {
      std::ifstream in(path, std::ios::binary);
      std::string rel = path.lexically_relative(opt_.samples).generic_string();
      std::string line;
      int n = 0;
      while (std::getline(in, line)) {
        ++n;
        simdjson::dom::object obj;
        if (parser.parse(line).get_object().get(obj)) continue;
        Sample s;
        s.file = rel;
        s.line = n;
        for (auto [key, value] : obj) {
          Field f;
          f.key = std::string(key);
          std::string_view sv;
          if (value.get_string().get(sv) == simdjson::SUCCESS) {
            f.value = std::string(sv);
          } else {
            f.value = simdjson::minify(value);
            f.is_string = false;
          }
          s.fields.push_back(std::move(f));
        }
        samples_.push_back(std::move(s));
      }
    }
    std::map<std::pair<std::string, int>, std::string> firing_rules;  // (file, line) -> rules
    for (const auto& run : read_firing(opt_.firing)) {
      for (int l = run.first; l <= run.last; ++l) firing_rules[{run.file, l}] = run.rules;
    }
    std::map<std::string, std::vector<size_t>> by_rules;
    for (size_t i = 0; i < samples_.size(); ++i) {
      Sample& s = samples_[i];
      auto it = firing_rules.find({s.file, s.line});
      if (it != firing_rules.end()) {
        s.firing = true;
        by_rules[it->second].push_back(i);
        continue;
      }
      std::string key = group_key(s);
      Group& g = groups_[key];
      g.bases.push_back(i);
      for (const Field& f : s.fields) {
        if (f.is_string) g.pools[f.key].push_back(&f.value);
        if (f.key == "CommandLine" || f.key == "ParentCommandLine") {
          auto [exe, args] = split_command(f.value);
          args_[f.key + "\t" + exe_basename(exe)].push_back(std::string(args));
        }
      }
    }
    for (auto& [rules, idx] : by_rules) replay_.push_back(std::move(idx));
    // Group weights: the channel's share of a typical collection (kChannelMix), split among its
    // event ids by the square root of their sample counts. Groups in key order (deterministic).
    std::map<std::string, double> channel_sqrt;
    for (auto& [key, g] : groups_) {
      channel_sqrt[key.substr(0, key.find('\t'))] += std::sqrt(static_cast<double>(g.bases.size()));
    }
    double total = 0;
    for (auto& [key, g] : groups_) {
      std::string channel = key.substr(0, key.find('\t'));
      double share = kOtherChannels / static_cast<double>(channel_sqrt.size());
      for (const auto& [name, mix] : kChannelMix) {
        if (channel == name) share = mix;
      }
      total += share * std::sqrt(static_cast<double>(g.bases.size())) / channel_sqrt[channel];
      cumulative_.push_back({total, &g});
    }
    for (auto& c : cumulative_) c.first /= total;
    make_people();
    return !cumulative_.empty();
  }

  void run(FILE* out) {
    std::string buf;
    buf.reserve(1 << 21);
    uint64_t events = 0, bytes = 0, replayed = 0;
    while ((opt_.events == 0 || events < opt_.events) && (opt_.bytes == 0 || bytes < opt_.bytes)) {
      size_t before = buf.size();
      now_us_ += static_cast<int64_t>(rng_.below(120001));
      ++record_id_;
      if (!replay_.empty() && rng_.chance(opt_.replay_rate)) {
        const auto& set = replay_[rng_.below(replay_.size())];
        emit_replay(buf, samples_[set[rng_.below(set.size())]]);
        ++replayed;
      } else {
        emit_generated(buf);
      }
      bytes += buf.size() - before;
      ++events;
      if (buf.size() >= (1 << 20)) {
        std::fwrite(buf.data(), 1, buf.size(), out);
        buf.clear();
      }
    }
    std::fwrite(buf.data(), 1, buf.size(), out);
    if (opt_.stats) {
      std::fprintf(stderr,
                   "gen: %zu sample events (%zu firing), %zu (Channel, EventID) groups; wrote "
                   "%llu events, %llu bytes, %llu replayed firing events\n",
                   samples_.size(), samples_.size() - count_bases(), groups_.size(),
                   static_cast<unsigned long long>(events), static_cast<unsigned long long>(bytes),
                   static_cast<unsigned long long>(replayed));
    }
  }

 private:
  static std::string group_key(const Sample& s) {
    std::string channel, id;
    for (const Field& f : s.fields) {
      if (f.key == "Channel") channel = f.value;
      if (f.key == "EventID") id = f.value;
    }
    return channel + "\t" + id;
  }

  // Fields whose value may be replaced by another value of the same field in the same group.
  // Not those that, combined with the rest of the event, decide what a process does (images,
  // command lines, access masks, services, privileges, registry targets, scripts): mixing them
  // freely turns benign samples into detections far more often than real logs do.
  static bool swappable(std::string_view k) {
    static constexpr std::string_view kNever[] = {
        "EventID", "Image", "CommandLine", "Access", "CallTrace", "Service", "Privilege",
        "ProcessName", "TargetObject", "Details", "ScriptBlock", "Payload", "Query", "Hashes",
        "Path", "Data", "Param", "param"};
    for (auto never : kNever) {
      if (k.find(never) != std::string_view::npos) return false;
    }
    return true;
  }

  size_t count_bases() const {
    size_t n = 0;
    for (const auto& [k, g] : groups_) n += g.bases.size();
    return n;
  }

  void make_people() {
    static const char* const kGiven[] = {
        "ahmed", "fatima", "omar", "layla", "yusuf", "mariam", "khalid", "noura", "hassan",
        "aisha", "ali", "sara", "ibrahim", "huda", "tariq", "rania", "samir", "dina", "karim",
        "lina", "john", "mary", "peter", "anna", "david", "emma", "james", "olivia", "mark",
        "sophie", "adam", "julia", "bilal", "salma", "nabil", "reem", "faisal", "hala", "ziad",
        "mona"};
    static const char* const kFamily[] = {
        "haddad", "khoury", "mansour", "saleh", "nasser", "aziz", "farouk", "hamdan", "jaber",
        "karam", "najjar", "rahman", "sabbagh", "tamimi", "yasin", "zein", "smith", "jones",
        "miller", "brown", "wilson", "taylor", "clark", "lewis", "walker", "hall", "young",
        "king", "wright", "scott", "green", "baker", "adams", "nelson", "hill", "campbell",
        "mitchell", "roberts", "carter", "phillips"};
    for (const char* g : kGiven) {
      for (const char* f : kFamily) users_.push_back(std::string(g) + "." + f);
    }
    for (int i = 0; i < 400; ++i) {
      char buf[64];
      if (i < 340) {
        std::snprintf(buf, sizeof buf, "WKS-%04d.corp.rasid.example", 1000 + i * 7);
      } else {
        std::snprintf(buf, sizeof buf, "SRV-%03d.corp.rasid.example", i - 339);
      }
      hosts_.push_back(buf);
    }
  }

  // Skewed pick: a few hosts and users produce most events, as in real networks.
  template <class T>
  const T& skewed(const std::vector<T>& v) {
    double u = rng_.unit();
    return v[static_cast<size_t>(u * u * static_cast<double>(v.size()))];
  }

  const std::string* pool_pick(const Group& g, const std::string& key) {
    auto it = g.pools.find(key);
    if (it == g.pools.end() || it->second.empty()) return nullptr;
    return it->second[rng_.below(it->second.size())];
  }

  std::string random_hex(uint64_t max) {
    char buf[24];
    std::snprintf(buf, sizeof buf, "0x%llx",
                  static_cast<unsigned long long>(1 + rng_.below(max)));
    return buf;
  }

  std::string random_guid(std::string_view like) {
    bool braces = like.front() == '{';
    bool upper = false;
    for (char c : like) upper |= (c >= 'A' && c <= 'F');
    const char* digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    std::string out = braces ? "{" : "";
    uint64_t a = rng_.next(), b = rng_.next();
    for (int i = 0; i < 32; ++i) {
      if (i == 8 || i == 12 || i == 16 || i == 20) out.push_back('-');
      uint64_t& w = i < 16 ? a : b;
      out.push_back(digits[w & 0xf]);
      w >>= 4;
    }
    if (braces) out.push_back('}');
    return out;
  }

  // C:\Users\<name>\... -> C:\Users\<user>\... (profiles of real people only).
  static void replace_profile(std::string& v, const std::string& user) {
    static const std::string_view kUsers = "\\users\\";
    if (v.size() < kUsers.size() + 2) return;
    for (size_t pos = 0; pos + kUsers.size() < v.size();) {
      size_t hit = std::string::npos;
      for (size_t i = pos; i + kUsers.size() <= v.size(); ++i) {
        if ((v[i] == '\\') && (v[i + 1] == 'u' || v[i + 1] == 'U') &&
            lower(std::string_view(v).substr(i, kUsers.size())) == kUsers) {
          hit = i;
          break;
        }
      }
      if (hit == std::string::npos) return;
      size_t start = hit + kUsers.size();
      size_t end = v.find_first_of("\\\" ", start);
      if (end == std::string::npos) end = v.size();
      std::string name = lower(std::string_view(v).substr(start, end - start));
      if (!name.empty() && name != "public" && name != "default" && name != "all users" &&
          name != "default user" && !is_system_account(name)) {
        v.replace(start, end - start, user);
        end = start + user.size();
      }
      pos = end;
    }
  }

  // "WKS-1000.corp.rasid.example" -> "WKS-1000$".
  static std::string machine_account(std::string_view host) {
    return std::string(host.substr(0, host.find('.'))) + "$";
  }

  void emit_replay(std::string& out, const Sample& s) {
    out.push_back('{');
    bool first = true;
    for (const Field& f : s.fields) {
      if (!first) out.push_back(',');
      first = false;
      rasid::append_json_string(out, f.key);
      out.push_back(':');
      if (f.key == "TimeCreated") {
        rasid::append_json_string(out, format_time(now_us_, true));
      } else if (f.key == "EventRecordID") {
        out += std::to_string(record_id_);
      } else if (f.is_string) {
        rasid::append_json_string(out, f.value);
      } else {
        out += f.value;
      }
    }
    out += "}\n";
  }

  void emit_generated(std::string& out) {
    double u = rng_.unit();
    auto it = std::lower_bound(cumulative_.begin(), cumulative_.end(), u,
                               [](const auto& c, double x) { return c.first < x; });
    if (it == cumulative_.end()) --it;
    const Group& g = *it->second;
    const Sample& s = samples_[g.bases[rng_.below(g.bases.size())]];
    const std::string& host = skewed(hosts_);
    const std::string& user = skewed(users_);
    const bool recombine_cmd = rng_.chance(0.5);
    const bool recombine_parent = rng_.chance(0.5);

    out.push_back('{');
    bool first = true;
    std::string v;
    for (const Field& f : s.fields) {
      if (!first) out.push_back(',');
      first = false;
      rasid::append_json_string(out, f.key);
      out.push_back(':');
      const std::string& k = f.key;
      if (!f.is_string) {
        out += k == "EventRecordID" ? std::to_string(record_id_) : f.value;
        continue;
      }
      v = f.value;
      if (k == "TimeCreated") {
        v = format_time(now_us_, true);
      } else if (k == "UtcTime" && v.size() == 23 && v[10] == ' ') {
        v = format_time(now_us_ - static_cast<int64_t>(rng_.below(2000)), false);
      } else if (k == "Computer") {
        v = host;
      } else if (k == "Channel" || k == "Provider_Name" || k == "Keywords" || k == "Image" ||
                 k == "ParentImage" || k == "OriginalFileName" || k == "Hashes" ||
                 k == "Description" || k == "Product" || k == "Company" ||
                 k == "FileVersion" || k == "NewProcessName" || k == "ParentProcessName") {
        // Fixed by the template (the process identity stays consistent).
      } else if (ends_with(k, "ProcessId") || ends_with(k, "ProcessID") ||
                 ends_with(k, "ThreadId") || ends_with(k, "ThreadID")) {
        if (is_hex_value(v) && v.size() > 4) {
          char buf[24];  // a multiple of 4, like Windows process and thread ids
          std::snprintf(buf, sizeof buf, "0x%llx",
                        static_cast<unsigned long long>(4 * (2 + rng_.below(16000))));
          v = buf;
        } else if (all_of_class(v, isdigit) && std::strtoull(v.c_str(), nullptr, 10) > 4) {
          v = std::to_string(4 * (2 + rng_.below(16000)));
        }
      } else if (ends_with(k, "LogonId") || ends_with(k, "LogonID")) {
        if (is_hex_value(v) && v != "0x3e7" && v != "0x3e4" && v != "0x3e5" && v != "0x0") {
          v = random_hex(0x4000000);
        }
      } else if ((k.find("ProcessGuid") != std::string::npos ||
                  k.find("ProcessGUID") != std::string::npos || k == "LogonGuid" ||
                  k == "ScriptBlockId" || k == "ActivityID") &&
                 is_guid_value(v) && v.find_first_not_of("{}0-") != std::string::npos) {
        v = random_guid(v);
      } else if (k == "User" || k == "ParentUser" || k == "SourceUser" || k == "TargetUser") {
        size_t sep = v.find('\\');
        if (sep != std::string::npos && !is_system_account(v)) v = "RASID\\" + user;
      } else if (k == "SubjectUserName" || k == "TargetUserName") {
        if (v.size() > 1 && v.back() == '$') {
          v = machine_account(host);  // the computer's own account
        } else if (!is_system_account(v) && v.find('@') == std::string::npos) {
          v = user;
        }
      } else if (k == "CommandLine" || k == "ParentCommandLine") {
        auto [exe, args] = split_command(v);
        auto pool = args_.find(k + "\t" + exe_basename(exe));
        if ((k == "CommandLine" ? recombine_cmd : recombine_parent) && pool != args_.end() &&
            pool->second.size() > 1) {
          v = std::string(exe) + pool->second[rng_.below(pool->second.size())];
        }
      } else if (rng_.chance(0.05) && swappable(k)) {
        if (const std::string* other = pool_pick(g, k)) v = *other;
      }
      replace_profile(v, user);
      rasid::append_json_string(out, v);
    }
    out += "}\n";
  }

  Options opt_;
  Rng rng_;
  std::vector<Sample> samples_;
  std::map<std::string, Group> groups_;
  std::vector<std::pair<double, const Group*>> cumulative_;
  std::unordered_map<std::string, std::vector<std::string>> args_;  // exe basename -> args
  std::vector<std::vector<size_t>> replay_;  // firing samples, one list per set of rules
  std::vector<std::string> users_;
  std::vector<std::string> hosts_;
  int64_t now_us_ = 1709251200LL * 1000000;  // 2024-03-01T00:00:00Z
  uint64_t record_id_ = 1000000;
};

}  // namespace

int main(int argc, char** argv) {
  Options opt = parse_options(argc, argv);
  Generator gen(opt);
  if (!gen.load()) return 2;
  FILE* out = stdout;
  if (!opt.output.empty()) {
    out = std::fopen(opt.output.c_str(), "wb");
    if (out == nullptr) {
      std::fprintf(stderr, "gen: cannot write %s\n", opt.output.c_str());
      return 2;
    }
  }
  gen.run(out);
  if (std::fflush(out) != 0 || (out != stdout && std::fclose(out) != 0)) {
    std::fprintf(stderr, "gen: write error\n");
    return 2;
  }
  return 0;
}
