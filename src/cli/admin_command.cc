// `rasid admin`: manage the hub's authorities and tokens directly in its store (docs/hub.md).
// Works while `rasid serve` runs on the same data folder (SQLite waits for the writer).

#include <cstdio>
#include <ctime>
#include <memory>
#include <string>

#include <fmt/format.h>

#include "cli/commands.h"
#include "hub/token.h"
#include "store/store.h"

namespace rasid::cli {
namespace {

struct AdminOptions {
  std::string data_dir;
  std::string store_spec;
  std::string name;
  std::string sector;
  std::string authority;
  std::string role;
  std::string expires;
  std::string note;
  std::string lookup;
};

std::string format_time(store::Micros t) {
  std::time_t seconds = static_cast<std::time_t>(t / 1'000'000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// Records an admin action; failing to audit fails the command (the change is already made,
// so the message says so).
void audit(store::Store& store, std::string action, std::string target, std::string detail) {
  auto r = store.append_audit({0, 0, "admin-cli", 0, std::move(action), std::move(target), std::move(detail)});
  if (!r) fmt::print(stderr, "warning: the change was made but not audited: {}\n", r.error().message);
}

Result<std::unique_ptr<store::Store>> open(const AdminOptions& o) {
  if (o.data_dir.empty()) return fail(ErrorCode::kInvalidArgument, "--data DIR is required");
  return store::open_store(o.store_spec, o.data_dir);
}

int authority_add(store::Store& store, const AdminOptions& o) {
  if (!hub::is_authority_name(o.name)) {
    fmt::print(stderr, "error: bad authority name '{}': use 1-64 of A-Z a-z 0-9 . _ -\n", o.name);
    return kExitUsage;
  }
  if (!store::is_sector(o.sector)) {
    std::string list;
    for (auto s : store::sectors()) list += (list.empty() ? "" : ", ") + std::string(s);
    fmt::print(stderr, "error: unknown sector '{}': expected one of {}\n", o.sector, list);
    return kExitUsage;
  }
  auto a = store.add_authority(o.name, o.sector);
  if (!a) {
    fmt::print(stderr, "error: {}\n", a.error().message);
    return kExitUsage;
  }
  audit(store, "authority.add", a->name, "sector=" + a->sector);
  fmt::print("added authority {} (sector {}, id {})\n", a->name, a->sector, a->id);
  return kExitOk;
}

int authority_list(store::Store& store) {
  auto list = store.list_authorities();
  if (!list) {
    fmt::print(stderr, "error: {}\n", list.error().message);
    return kExitUsage;
  }
  fmt::print("{:<32} {:<32} {}\n", "NAME", "SECTOR", "CREATED");
  for (auto& a : *list) fmt::print("{:<32} {:<32} {}\n", a.name, a.sector, format_time(a.created));
  return kExitOk;
}

int token_create(store::Store& store, const AdminOptions& o) {
  auto role = store::parse_role(o.role);
  if (!role) {
    fmt::print(stderr, "error: unknown role '{}': expected sensor, analyst, coordinator or admin\n", o.role);
    return kExitUsage;
  }
  std::optional<store::Micros> expires;
  if (!o.expires.empty()) {
    auto d = hub::parse_duration(o.expires);
    if (!d) {
      fmt::print(stderr, "error: --expires: {}\n", d.error().message);
      return kExitUsage;
    }
    expires = store::now_micros() + *d;
  }
  auto authority = store.find_authority(o.authority);
  if (!authority) {
    fmt::print(stderr, "error: {} (add it with `rasid admin authority add`)\n", authority.error().message);
    return kExitUsage;
  }
  auto made = hub::make_token(authority->id, *role, expires, o.note);
  if (!made) {
    fmt::print(stderr, "error: {}\n", made.error().message);
    return kExitUsage;
  }
  auto stored = store.add_token(made->record);
  if (!stored) {
    fmt::print(stderr, "error: {}\n", stored.error().message);
    return kExitUsage;
  }
  audit(store, "token.create", stored->lookup,
        fmt::format("authority={} role={}", authority->name, store::to_string(*role)));
  fmt::print("token {} for authority {}, role {}, expires {}\n", stored->lookup, authority->name,
             store::to_string(*role), expires ? format_time(*expires) : "never");
  fmt::print("Keep the token below now: it is shown only this once (only a salted hash is stored).\n");
  fmt::print("{}\n", made->token);
  return kExitOk;
}

int token_list(store::Store& store) {
  auto tokens = store.list_tokens();
  auto authorities = store.list_authorities();
  if (!tokens || !authorities) {
    fmt::print(stderr, "error: {}\n", !tokens ? tokens.error().message : authorities.error().message);
    return kExitUsage;
  }
  store::Micros now = store::now_micros();
  fmt::print("{:<17} {:<24} {:<12} {:<21} {:<21} {:<8} {}\n", "TOKEN", "AUTHORITY", "ROLE", "CREATED",
             "EXPIRES", "STATE", "NOTE");
  for (auto& t : *tokens) {
    std::string authority = std::to_string(t.authority_id);
    for (auto& a : *authorities)
      if (a.id == t.authority_id) authority = a.name;
    std::string state = t.revoked ? "revoked" : (t.expires && now >= *t.expires ? "expired" : "active");
    fmt::print("{:<17} {:<24} {:<12} {:<21} {:<21} {:<8} {}\n", t.lookup, authority, store::to_string(t.role),
               format_time(t.created), t.expires ? format_time(*t.expires) : "never", state, t.note);
  }
  return kExitOk;
}

int token_revoke(store::Store& store, const AdminOptions& o) {
  // Accept the whole token too, so an operator can paste what leaked.
  std::string lookup = o.lookup;
  if (auto parts = hub::split_token(lookup)) lookup = parts->lookup;
  if (auto s = store.revoke_token(lookup, store::now_micros()); !s) {
    fmt::print(stderr, "error: {}\n", s.error().message);
    return kExitUsage;
  }
  audit(store, "token.revoke", lookup, "");
  fmt::print("revoked token {}\n", lookup);
  return kExitOk;
}

}  // namespace

std::function<int()> add_admin_command(CLI::App& app) {
  auto options = std::make_shared<AdminOptions>();
  auto* admin = app.add_subcommand("admin", "Manage the hub's authorities and tokens (docs/hub.md)");
  admin->require_subcommand(1);
  admin->add_option("--data", options->data_dir, "The hub's data folder (as given to `rasid serve`)")
      ->required();
  admin->add_option("--store", options->store_spec,
                    "Store: sqlite (default, DIR/hub.db), sqlite:PATH or postgresql://...");

  auto* authority = admin->add_subcommand("authority", "Authorities: add, list");
  authority->require_subcommand(1);
  auto* add = authority->add_subcommand("add", "Add an authority");
  add->add_option("name", options->name, "Name: 1-64 of A-Z a-z 0-9 . _ -")->required();
  std::string sector_help = "Sector (NIS2):";
  for (auto s : store::sectors()) sector_help += " " + std::string(s);
  add->add_option("--sector", options->sector, sector_help)->required();
  auto* alist = authority->add_subcommand("list", "List authorities");

  auto* token = admin->add_subcommand("token", "API tokens: create, list, revoke");
  token->require_subcommand(1);
  auto* create = token->add_subcommand(
      "create", "Create a token; it is printed once, alone on the last line of the output");
  create->add_option("--authority", options->authority, "Authority the token acts for")->required();
  create->add_option("--role", options->role,
                     "sensor (push alerts), analyst (read own authority), coordinator (all "
                     "authorities, incidents), admin (management)")
      ->required();
  create->add_option("--expires", options->expires, "Lifetime, e.g. 90d, 12h, 1y (default: never)");
  create->add_option("--note", options->note, "Free text shown by `token list` (where it is used)");
  auto* tlist = token->add_subcommand("list", "List tokens (ids, never secrets)");
  auto* revoke = token->add_subcommand("revoke", "Revoke a token by its id (or the whole token)");
  revoke->add_option("token", options->lookup, "Token id as shown by `token list`")->required();

  return [=]() -> int {
    auto store = open(*options);
    if (!store) {
      fmt::print(stderr, "error: {}\n", store.error().to_string());
      return kExitUsage;
    }
    if (add->parsed()) return authority_add(**store, *options);
    if (alist->parsed()) return authority_list(**store);
    if (create->parsed()) return token_create(**store, *options);
    if (tlist->parsed()) return token_list(**store);
    if (revoke->parsed()) return token_revoke(**store, *options);
    return kExitUsage;
  };
}

}  // namespace rasid::cli
