#pragma once
// The MITRE ATT&CK Enterprise matrix as the report and the dashboard need it: tactics in
// matrix order, technique names and tactics, revoked ids followed to their successors, and
// Sigma tags (`attack.t1059.001`, `attack.execution`) read as techniques and tactics.
//
// Loaded from the compact extract ../shared/data/attack/enterprise-attack-compact.json
// (the project does not copy it in; `rasid report --attack FILE` points at it).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/result.h"

namespace rasid::report {

struct Tactic {
  std::string id;         // TA0002
  std::string shortname;  // execution (Navigator's `tactic` value, Sigma's tag)
  std::string name;       // Execution
  int order = 0;          // 1-based column of the matrix
};

struct Technique {
  std::string id;    // T1059 or T1059.001
  std::string name;  // Command and Scripting Interpreter
  std::vector<int> tactics;  // indices into AttackMatrix::tactics(), matrix order
  bool subtechnique = false;
  bool deprecated = false;
  bool revoked = false;
  std::string revoked_by;  // the replacing id when revoked
  std::vector<std::string> platforms;

  // Neither deprecated nor revoked: counted in coverage denominators.
  [[nodiscard]] bool active() const { return !deprecated && !revoked; }
};

// What a technique id turned into after following `revoked_by`.
struct ResolvedTechnique {
  const Technique* technique = nullptr;  // the active (or last known) technique; null if unknown
  bool remapped = false;                 // the id given was revoked and replaced
};

class AttackMatrix {
 public:
  // Reads the compact JSON extract. Errors name the file and the offending entry.
  [[nodiscard]] static Result<AttackMatrix> load(const std::string& path);
  // Parses the same JSON from memory (tests, fuzzing); `name` is used in errors.
  [[nodiscard]] static Result<AttackMatrix> parse(std::string_view json, const std::string& name);

  [[nodiscard]] const std::vector<Tactic>& tactics() const { return tactics_; }
  [[nodiscard]] const std::vector<Technique>& techniques() const { return techniques_; }
  [[nodiscard]] const std::string& version() const { return version_; }

  // Technique by id, case-insensitive (`t1059.001` finds T1059.001); null if unknown.
  [[nodiscard]] const Technique* find(std::string_view id) const;
  // Follows revoked_by links (at most a few hops; a cycle stops at the last distinct id).
  [[nodiscard]] ResolvedTechnique resolve(std::string_view id) const;
  // Tactic index by shortname (`execution`) or id (`TA0002`); nullopt if unknown.
  [[nodiscard]] std::optional<int> tactic_index(std::string_view shortname_or_id) const;
  // Number of active techniques and sub-techniques (the coverage denominator).
  [[nodiscard]] std::size_t active_count() const;

 private:
  std::string version_;
  std::vector<Tactic> tactics_;
  std::vector<Technique> techniques_;
  std::unordered_map<std::string, std::size_t> by_id_;  // upper-case id -> index
};

// Where the ATT&CK extract is looked for when no file is given: $RASID_ATTACK_DATA, then
// /usr/share/rasid/attack/enterprise-attack-compact.json, then
// ../shared/data/attack/enterprise-attack-compact.json (a checkout next to the shared data).
// "" when none exists.
[[nodiscard]] std::string default_attack_file();

// One Sigma tag read as ATT&CK: `attack.t1059.001` -> technique "T1059.001",
// `attack.execution` / `attack.command-and-control` -> tactic shortname, anything else
// (attack.g0016, attack.s0002, cve.*, detection.*) -> kOther.
struct AttackTag {
  enum class Kind : std::uint8_t { kOther, kTechnique, kTactic };
  Kind kind = Kind::kOther;
  std::string value;
};
[[nodiscard]] AttackTag parse_attack_tag(std::string_view tag);

}  // namespace rasid::report
