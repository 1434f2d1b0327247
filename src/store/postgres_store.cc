#include "store/postgres_store.h"
#include "store/stix_rows.h"

#include <algorithm>
#include <cctype>
#include <mutex>
#include <utility>
#include <vector>

#include <pqxx/pqxx>

namespace rasid::store {
namespace {

// Versioned migrations, as in the SQLite store (same tables, PostgreSQL types). Each step runs
// once, in order, in one transaction with the row that records it. Never edit a released step.
struct Migration {
  int version;
  const char* sql;
};

constexpr Migration kMigrations[] = {
    {1, R"sql(
CREATE TABLE authorities (
  id BIGSERIAL PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  sector TEXT NOT NULL,
  created_us BIGINT NOT NULL);
CREATE TABLE tokens (
  id BIGSERIAL PRIMARY KEY,
  lookup TEXT NOT NULL UNIQUE,
  authority_id BIGINT NOT NULL REFERENCES authorities(id),
  role TEXT NOT NULL,
  salt BYTEA NOT NULL,
  hash BYTEA NOT NULL,
  created_us BIGINT NOT NULL,
  expires_us BIGINT,
  revoked_us BIGINT,
  note TEXT NOT NULL DEFAULT '');
CREATE TABLE alerts (
  seq BIGSERIAL PRIMARY KEY,
  authority_id BIGINT NOT NULL REFERENCES authorities(id),
  alert_id TEXT NOT NULL,
  received_us BIGINT NOT NULL,
  event_time_us BIGINT,
  rule_id TEXT NOT NULL,
  rule_title TEXT NOT NULL,
  level TEXT NOT NULL CHECK (level IN ('informational', 'low', 'medium', 'high', 'critical')),
  tlp TEXT NOT NULL CHECK (tlp IN ('clear', 'green', 'amber', 'amber+strict', 'red')),
  host TEXT NOT NULL,
  body TEXT NOT NULL,
  UNIQUE (authority_id, alert_id));
CREATE INDEX alerts_event_time ON alerts (event_time_us);
CREATE INDEX alerts_authority ON alerts (authority_id, seq);
CREATE INDEX alerts_rule ON alerts (rule_id);
CREATE TABLE alert_tags (
  alert_seq BIGINT NOT NULL REFERENCES alerts(seq),
  pos INTEGER NOT NULL,
  tag TEXT NOT NULL,
  PRIMARY KEY (alert_seq, pos));
CREATE INDEX alert_tags_tag ON alert_tags (tag, alert_seq);
CREATE TABLE detections (
  id BIGSERIAL PRIMARY KEY,
  authority_id BIGINT NOT NULL REFERENCES authorities(id),
  rule_id TEXT NOT NULL,
  rule_title TEXT NOT NULL,
  level TEXT NOT NULL,
  host TEXT NOT NULL,
  tlp TEXT NOT NULL,
  first_seen_us BIGINT NOT NULL,
  last_seen_us BIGINT NOT NULL,
  alert_count BIGINT NOT NULL);
CREATE INDEX detections_authority ON detections (authority_id, id);
CREATE TABLE incidents (
  id BIGSERIAL PRIMARY KEY,
  title TEXT NOT NULL,
  status TEXT NOT NULL,
  severity TEXT NOT NULL,
  owner TEXT NOT NULL,
  tlp TEXT NOT NULL,
  created_us BIGINT NOT NULL,
  updated_us BIGINT NOT NULL);
CREATE TABLE incident_events (
  id BIGSERIAL PRIMARY KEY,
  incident_id BIGINT NOT NULL REFERENCES incidents(id),
  at_us BIGINT NOT NULL,
  actor TEXT NOT NULL,
  kind TEXT NOT NULL,
  detail TEXT NOT NULL);
CREATE INDEX incident_events_incident ON incident_events (incident_id, id);
CREATE TABLE incident_detections (
  incident_id BIGINT NOT NULL REFERENCES incidents(id),
  detection_id BIGINT NOT NULL REFERENCES detections(id),
  PRIMARY KEY (incident_id, detection_id));
CREATE TABLE audit_log (
  seq BIGSERIAL PRIMARY KEY,
  at_us BIGINT NOT NULL,
  actor TEXT NOT NULL,
  actor_authority BIGINT NOT NULL,
  action TEXT NOT NULL,
  target TEXT NOT NULL,
  detail TEXT NOT NULL);
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS
  $$ BEGIN RAISE EXCEPTION 'audit log is append-only'; END $$;
CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
)sql"},
    // National correlation (hub/ingest_correlation.h), as in the SQLite store's step 2.
    {2, R"sql(
ALTER TABLE detections ADD COLUMN facts TEXT NOT NULL DEFAULT '';
ALTER TABLE incidents ADD COLUMN correlation_key TEXT NOT NULL DEFAULT '';
CREATE INDEX incidents_key ON incidents (correlation_key, id);
CREATE INDEX detections_last_seen ON detections (last_seen_us);
)sql"},
    {3, R"sql(
CREATE TABLE stix_objects (
  seq BIGSERIAL PRIMARY KEY,
  collection TEXT NOT NULL,
  object_id TEXT NOT NULL,
  type TEXT NOT NULL,
  version_us BIGINT NOT NULL,
  spec_version TEXT NOT NULL,
  date_added_us BIGINT NOT NULL,
  tlp TEXT NOT NULL CHECK (tlp IN ('clear', 'green', 'amber', 'amber+strict', 'red')),
  source_authority BIGINT NOT NULL,
  recipients TEXT NOT NULL,
  coordinators_named BIGINT NOT NULL,
  body TEXT NOT NULL,
  UNIQUE (collection, object_id, version_us));
CREATE INDEX stix_objects_collection ON stix_objects (collection, seq);
CREATE TABLE taxii_status (
  id TEXT PRIMARY KEY,
  owner TEXT NOT NULL,
  authority_id BIGINT NOT NULL,
  created_us BIGINT NOT NULL,
  body TEXT NOT NULL);
CREATE TABLE hub_secrets (name TEXT PRIMARY KEY, value BYTEA NOT NULL);
)sql"},
};

// Statement parameters, all sent as text (PostgreSQL infers each one's type from where it is
// used); a null is a null pointer. add() returns the placeholder ($1, $2, ...).
class Params {
 public:
  std::string add(std::string value) {
    values_.push_back(std::move(value));
    nulls_.push_back(false);
    return "$" + std::to_string(values_.size());
  }
  std::string add(std::string_view value) { return add(std::string(value)); }
  std::string add(const char* value) { return add(std::string(value)); }
  std::string add(std::int64_t value) { return add(std::to_string(value)); }
  std::string add(std::optional<std::int64_t> value) {
    if (value) return add(*value);
    values_.emplace_back();
    nulls_.push_back(true);
    return "$" + std::to_string(values_.size());
  }
  // bytea in PostgreSQL's hex input format.
  std::string add_bytes(std::string_view raw) {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string text = "\\x";
    for (unsigned char c : raw) {
      text += kHex[c >> 4];
      text += kHex[c & 15];
    }
    return add(std::move(text));
  }
  [[nodiscard]] std::vector<const char*> pointers() const {
    std::vector<const char*> out;
    out.reserve(values_.size());
    for (std::size_t i = 0; i < values_.size(); ++i) out.push_back(nulls_[i] ? nullptr : values_[i].c_str());
    return out;
  }

 private:
  std::vector<std::string> values_;
  std::vector<bool> nulls_;
};

pqxx::result exec(pqxx::transaction_base& tx, const std::string& sql, const Params& params) {
  auto pointers = params.pointers();
  return tx.exec_params(sql, pqxx::prepare::make_dynamic_params(pointers));
}

std::string text(const pqxx::field& f) { return f.is_null() ? std::string() : std::string(f.c_str(), f.size()); }
std::int64_t i64(const pqxx::field& f) { return f.as<std::int64_t>(); }
std::optional<std::int64_t> opt(const pqxx::field& f) {
  if (f.is_null()) return std::nullopt;
  return f.as<std::int64_t>();
}
// bytea comes back in hex output format: \x0a0b...
std::string bytes(const pqxx::field& f) {
  std::string_view hex(f.c_str(), f.size());
  if (hex.size() < 2 || hex.substr(0, 2) != "\\x") return std::string(hex);
  auto nibble = [](char c) {
    return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
  };
  std::string out;
  for (std::size_t i = 2; i + 1 < hex.size(); i += 2) {
    out += static_cast<char>(nibble(hex[i]) << 4 | nibble(hex[i + 1]));
  }
  return out;
}

std::size_t clamp_limit(std::size_t limit) {
  if (limit == 0) return 1;
  return limit > kMaxPageSize ? kMaxPageSize : limit;
}

// A WHERE clause built from filters, with its parameters.
struct Where {
  std::string sql;
  Params params;

  void add(const std::string& cond) {
    sql += sql.empty() ? " WHERE " : " AND ";
    sql += cond;
  }
  void add_in(std::string_view column, const std::vector<std::string>& list) {
    if (list.empty()) return;
    std::string cond = std::string(column) + " IN (";
    for (std::size_t i = 0; i < list.size(); ++i) cond += (i ? "," : "") + params.add(list[i]);
    add(cond + ")");
  }
  void add_in(std::string_view column, const std::vector<std::int64_t>& list) {
    if (list.empty()) {
      add("0 = 1");  // an empty allow-list selects nothing
      return;
    }
    std::string cond = std::string(column) + " IN (";
    for (std::size_t i = 0; i < list.size(); ++i) cond += (i ? "," : "") + params.add(list[i]);
    add(cond + ")");
  }
};

constexpr const char* kAlertColumns =
    "seq, authority_id, received_us, alert_id, event_time_us, rule_id, rule_title, level, tlp, "
    "host, body";
constexpr const char* kDetectionColumns =
    "id, authority_id, rule_id, rule_title, level, host, tlp, first_seen_us, last_seen_us, "
    "alert_count, facts";
constexpr const char* kIncidentColumns =
    "id, title, status, severity, owner, tlp, created_us, updated_us, correlation_key";

StoredAlert alert_row(const pqxx::row& r) {
  StoredAlert a;
  a.seq = i64(r[0]);
  a.authority_id = i64(r[1]);
  a.received = i64(r[2]);
  a.alert.alert_id = text(r[3]);
  a.alert.event_time = opt(r[4]);
  a.alert.rule_id = text(r[5]);
  a.alert.rule_title = text(r[6]);
  a.alert.level = text(r[7]);
  a.alert.tlp = text(r[8]);
  a.alert.host = text(r[9]);
  a.alert.body = text(r[10]);
  return a;
}

Detection detection_row(const pqxx::row& r) {
  return {i64(r[0]), i64(r[1]), text(r[2]), text(r[3]), text(r[4]), text(r[5]), text(r[6]),
          i64(r[7]), i64(r[8]), i64(r[9]), text(r[10])};
}

Incident incident_row(const pqxx::row& r) {
  Incident i;
  i.id = i64(r[0]);
  i.title = text(r[1]);
  i.status = parse_incident_status(text(r[2])).value_or(IncidentStatus::kNew);
  i.severity = text(r[3]);
  i.owner = text(r[4]);
  i.tlp = text(r[5]);
  i.created = i64(r[6]);
  i.updated = i64(r[7]);
  i.key = text(r[8]);
  return i;
}

Result<TokenRecord> token_row(const pqxx::row& r) {
  TokenRecord t;
  t.id = i64(r[0]);
  t.lookup = text(r[1]);
  t.authority_id = i64(r[2]);
  auto role = parse_role(text(r[3]));
  if (!role) return fail(ErrorCode::kInternal, "token " + t.lookup + " has an unknown role");
  t.role = *role;
  t.salt = bytes(r[4]);
  t.hash = bytes(r[5]);
  t.created = i64(r[6]);
  t.expires = opt(r[7]);
  t.revoked = opt(r[8]);
  t.note = text(r[9]);
  return t;
}

Error not_found(std::string what) { return Error{ErrorCode::kNotFound, std::move(what), {}}; }

class PostgresStore final : public Store {
 public:
  PostgresStore(std::string url, std::string schema) : url_(std::move(url)), schema_(std::move(schema)) {}

  Status open() {
    return call<bool>("migrate", [&](pqxx::connection& c) -> Result<bool> {
             pqxx::work tx(c);
             // One migrator at a time, also across hub nodes starting together.
             tx.exec("SELECT pg_advisory_xact_lock(7273690)");
             tx.exec(
                 "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
                 "applied_us BIGINT NOT NULL)");
             int current = tx.exec("SELECT COALESCE(MAX(version), 0) FROM schema_migrations")[0][0].as<int>();
             if (current > postgres_schema_latest()) {
               return fail(ErrorCode::kUnsupported,
                           "database has schema version " + std::to_string(current) +
                               ", newer than this rasid knows (" +
                               std::to_string(postgres_schema_latest()) + ")");
             }
             for (const Migration& m : kMigrations) {
               if (m.version <= current) continue;
               tx.exec(m.sql);
               Params p;
               std::string sql = "INSERT INTO schema_migrations (version, applied_us) VALUES (" +
                                 p.add(static_cast<std::int64_t>(m.version)) + ", " +
                                 p.add(now_micros()) + ")";
               exec(tx, sql, p);
             }
             tx.commit();
             return true;
           })
        .and_then([](bool) -> Status { return ok(); });
  }

  Result<int> schema_version() override {
    return call<int>("schema version", [&](pqxx::connection& c) -> Result<int> {
      pqxx::read_transaction tx(c);
      return tx.exec("SELECT COALESCE(MAX(version), 0) FROM schema_migrations")[0][0].as<int>();
    });
  }

  // ---- authorities ----

  Result<Authority> add_authority(const std::string& name, const std::string& sector) override {
    auto result = call<Authority>("add authority", [&](pqxx::connection& c) -> Result<Authority> {
      pqxx::work tx(c);
      Authority a{0, name, sector, now_micros()};
      Params p;
      std::string sql = "INSERT INTO authorities (name, sector, created_us) VALUES (" + p.add(name) +
                        ", " + p.add(sector) + ", " + p.add(a.created) + ") RETURNING id";
      a.id = i64(exec(tx, sql, p)[0][0]);
      tx.commit();
      return a;
    });
    if (!result && result.error().code == ErrorCode::kInvalidArgument) {
      return fail(ErrorCode::kInvalidArgument, "authority '" + name + "' exists already");
    }
    return result;
  }

  Result<std::vector<Authority>> list_authorities() override {
    return read_authorities("", std::nullopt);
  }

  Result<Authority> find_authority(std::string_view name) override {
    auto list = read_authorities("name", std::string(name));
    if (!list) return fail(list.error());
    if (list->empty()) return fail(not_found("no authority '" + std::string(name) + "'"));
    return list->front();
  }

  Result<Authority> get_authority(std::int64_t id) override {
    auto list = read_authorities("id", std::to_string(id));
    if (!list) return fail(list.error());
    if (list->empty()) return fail(not_found("no authority with id " + std::to_string(id)));
    return list->front();
  }

  // ---- tokens ----

  Result<TokenRecord> add_token(const TokenRecord& token) override {
    auto result = call<TokenRecord>("add token", [&](pqxx::connection& c) -> Result<TokenRecord> {
      pqxx::work tx(c);
      TokenRecord t = token;
      t.created = now_micros();
      Params p;
      std::string sql =
          "INSERT INTO tokens (lookup, authority_id, role, salt, hash, created_us, expires_us, "
          "revoked_us, note) VALUES (" +
          p.add(t.lookup) + ", " + p.add(t.authority_id) + ", " + p.add(to_string(t.role)) + ", " +
          p.add_bytes(t.salt) + ", " + p.add_bytes(t.hash) + ", " + p.add(t.created) + ", " +
          p.add(t.expires) + ", " + p.add(t.revoked) + ", " + p.add(t.note) + ") RETURNING id";
      t.id = i64(exec(tx, sql, p)[0][0]);
      tx.commit();
      return t;
    });
    if (!result && result.error().code == ErrorCode::kInvalidArgument) {
      return fail(ErrorCode::kInvalidArgument,
                  "token '" + token.lookup + "' exists already or its authority does not exist");
    }
    return result;
  }

  Result<TokenRecord> find_token(std::string_view lookup) override {
    auto list = read_tokens(std::string(lookup));
    if (!list) return fail(list.error());
    if (list->empty()) return fail(not_found("no token '" + std::string(lookup) + "'"));
    return list->front();
  }

  Result<std::vector<TokenRecord>> list_tokens() override { return read_tokens(std::nullopt); }

  Status revoke_token(std::string_view lookup, Micros at) override {
    return call<bool>("revoke token", [&](pqxx::connection& c) -> Result<bool> {
             pqxx::work tx(c);
             Params p;
             std::string sql = "UPDATE tokens SET revoked_us = COALESCE(revoked_us, " + p.add(at) +
                               ") WHERE lookup = " + p.add(lookup);
             auto r = exec(tx, sql, p);
             if (r.affected_rows() == 0) return fail(not_found("no token '" + std::string(lookup) + "'"));
             tx.commit();
             return true;
           })
        .and_then([](bool) -> Status { return ok(); });
  }

  // ---- alerts ----

  Result<InsertResult> insert_alerts(std::int64_t authority_id, std::span<const NewAlert> alerts,
                                     Micros received) override {
    return call<InsertResult>("insert alerts", [&](pqxx::connection& c) -> Result<InsertResult> {
      pqxx::work tx(c);
      // Commit order = seq order (see postgres_store.h, Ordering).
      tx.exec("LOCK TABLE alerts IN SHARE ROW EXCLUSIVE MODE");
      InsertResult result;
      for (std::size_t index = 0; index < alerts.size(); ++index) {
        const NewAlert& a = alerts[index];
        Params p;
        std::string sql =
            "INSERT INTO alerts (authority_id, alert_id, received_us, event_time_us, rule_id, "
            "rule_title, level, tlp, host, body) VALUES (" +
            p.add(authority_id) + ", " + p.add(a.alert_id) + ", " + p.add(received) + ", " +
            p.add(a.event_time) + ", " + p.add(a.rule_id) + ", " + p.add(a.rule_title) + ", " +
            p.add(a.level) + ", " + p.add(a.tlp) + ", " + p.add(a.host) + ", " + p.add(a.body) +
            ") ON CONFLICT (authority_id, alert_id) DO NOTHING RETURNING seq";
        auto r = exec(tx, sql, p);
        if (r.empty()) {
          ++result.duplicates;
          continue;
        }
        ++result.accepted;
        result.accepted_index.push_back(index);
        if (a.tags.empty()) continue;
        Params tp;
        const std::string seq = tp.add(i64(r[0][0]));
        std::string tags = "INSERT INTO alert_tags (alert_seq, pos, tag) VALUES ";
        for (std::size_t i = 0; i < a.tags.size(); ++i) {
          tags += (i ? ", (" : "(") + seq + ", " + std::to_string(i) + ", " + tp.add(a.tags[i]) + ")";
        }
        exec(tx, tags, tp);
      }
      tx.commit();
      return result;
    });
  }

  Result<Page<StoredAlert>> query_alerts(const AlertFilter& filter, const PageRequest& page) override {
    return call<Page<StoredAlert>>("query alerts", [&](pqxx::connection& c) -> Result<Page<StoredAlert>> {
      pqxx::read_transaction tx(c);
      Where w = alert_where(filter);
      w.add("seq > " + w.params.add(page.after));
      const std::size_t limit = clamp_limit(page.limit);
      auto rows = exec(tx, std::string("SELECT ") + kAlertColumns + " FROM alerts" + w.sql +
                               " ORDER BY seq LIMIT " + std::to_string(limit + 1),
                       w.params);
      Page<StoredAlert> out;
      for (const auto& row : rows) {
        if (out.items.size() == limit) {
          out.next = out.items.back().seq;
          break;
        }
        out.items.push_back(alert_row(row));
      }
      load_tags(tx, out.items);
      return out;
    });
  }

  Result<std::int64_t> count_alerts(const AlertFilter& filter) override {
    return call<std::int64_t>("count alerts", [&](pqxx::connection& c) -> Result<std::int64_t> {
      pqxx::read_transaction tx(c);
      Where w = alert_where(filter);
      return i64(exec(tx, "SELECT COUNT(*) FROM alerts" + w.sql, w.params)[0][0]);
    });
  }

  Result<StoredAlert> get_alert(std::int64_t authority_id, std::string_view alert_id) override {
    return call<StoredAlert>("get alert", [&](pqxx::connection& c) -> Result<StoredAlert> {
      pqxx::read_transaction tx(c);
      Params p;
      std::string sql = std::string("SELECT ") + kAlertColumns + " FROM alerts WHERE authority_id = " +
                        p.add(authority_id) + " AND alert_id = " + p.add(alert_id);
      auto rows = exec(tx, sql, p);
      if (rows.empty()) return fail(not_found("no alert '" + std::string(alert_id) + "'"));
      std::vector<StoredAlert> one{alert_row(rows[0])};
      load_tags(tx, one);
      return std::move(one[0]);
    });
  }

  // ---- detections ----

  // One detection is a batch of one (write_detections holds the statement).
  Result<Detection> add_detection(const Detection& d) override {
    Detection out = d;
    out.id = 0;
    auto ids = write_detections(std::span<const Detection>(&out, 1));
    if (!ids) return fail(ids.error());
    out.id = ids->front();
    return out;
  }

  Status update_detection(std::int64_t id, Micros last_seen, std::int64_t alert_count) override {
    return call<bool>("update detection", [&](pqxx::connection& c) -> Result<bool> {
             pqxx::work tx(c);
             Params p;
             std::string sql = "UPDATE detections SET last_seen_us = " + p.add(last_seen) +
                               ", alert_count = " + p.add(alert_count) + " WHERE id = " + p.add(id);
             if (exec(tx, sql, p).affected_rows() == 0) {
               return fail(not_found("no detection with id " + std::to_string(id)));
             }
             tx.commit();
             return true;
           })
        .and_then([](bool) -> Status { return ok(); });
  }

  Result<std::vector<std::int64_t>> write_detections(std::span<const Detection> detections) override {
    return call<std::vector<std::int64_t>>("write detections", [&](pqxx::connection& c) -> Result<std::vector<std::int64_t>> {
      pqxx::work tx(c);
      std::vector<std::int64_t> ids;
      for (const Detection& d : detections) {
        Params p;
        if (d.id == 0) {
          std::string sql =
              "INSERT INTO detections (authority_id, rule_id, rule_title, level, host, tlp, "
              "first_seen_us, last_seen_us, alert_count, facts) VALUES (" +
              p.add(d.authority_id) + ", " + p.add(d.rule_id) + ", " + p.add(d.rule_title) + ", " +
              p.add(d.level) + ", " + p.add(d.host) + ", " + p.add(d.tlp) + ", " + p.add(d.first_seen) +
              ", " + p.add(d.last_seen) + ", " + p.add(d.alert_count) + ", " + p.add(d.facts) + ") RETURNING id";
          ids.push_back(i64(exec(tx, sql, p)[0][0]));
        } else {
          std::string sql = "UPDATE detections SET last_seen_us = " + p.add(d.last_seen) +
                            ", alert_count = " + p.add(d.alert_count) + " WHERE id = " + p.add(d.id);
          if (exec(tx, sql, p).affected_rows() == 0) {
            return fail(not_found("no detection with id " + std::to_string(d.id)));
          }
          ids.push_back(d.id);
        }
      }
      tx.commit();
      return ids;
    });
  }

  Result<Detection> get_detection(std::int64_t id) override {
    return call<Detection>("get detection", [&](pqxx::connection& c) -> Result<Detection> {
      pqxx::read_transaction tx(c);
      Params p;
      auto rows = exec(tx, std::string("SELECT ") + kDetectionColumns + " FROM detections WHERE id = " + p.add(id), p);
      if (rows.empty()) return fail(not_found("no detection with id " + std::to_string(id)));
      return detection_row(rows[0]);
    });
  }

  Result<Page<Detection>> query_detections(const DetectionFilter& filter,
                                           const PageRequest& page) override {
    return call<Page<Detection>>("query detections", [&](pqxx::connection& c) -> Result<Page<Detection>> {
      pqxx::read_transaction tx(c);
      Where w;
      if (filter.authority_ids) w.add_in("authority_id", *filter.authority_ids);
      if (filter.from) w.add("last_seen_us >= " + w.params.add(*filter.from));
      if (filter.to) w.add("first_seen_us < " + w.params.add(*filter.to));
      w.add_in("rule_id", filter.rule_ids);
      w.add_in("level", filter.levels);
      w.add("id > " + w.params.add(page.after));
      const std::size_t limit = clamp_limit(page.limit);
      auto rows = exec(tx, std::string("SELECT ") + kDetectionColumns + " FROM detections" + w.sql +
                               " ORDER BY id LIMIT " + std::to_string(limit + 1),
                       w.params);
      Page<Detection> out;
      for (const auto& row : rows) {
        if (out.items.size() == limit) {
          out.next = out.items.back().id;
          break;
        }
        out.items.push_back(detection_row(row));
      }
      return out;
    });
  }

  // ---- incidents ----

  Result<Incident> create_incident(const Incident& incident, const std::string& actor) override {
    return call<Incident>("create incident", [&](pqxx::connection& c) -> Result<Incident> {
      pqxx::work tx(c);
      Incident out = incident;
      out.created = out.updated = now_micros();
      Params p;
      std::string sql =
          "INSERT INTO incidents (title, status, severity, owner, tlp, created_us, updated_us, "
          "correlation_key) VALUES (" +
          p.add(out.title) + ", " + p.add(to_string(out.status)) + ", " + p.add(out.severity) +
          ", " + p.add(out.owner) + ", " + p.add(out.tlp) + ", " + p.add(out.created) + ", " +
          p.add(out.updated) + ", " + p.add(out.key) + ") RETURNING id";
      out.id = i64(exec(tx, sql, p)[0][0]);
      add_event(tx, out.id, out.created, actor, "created", out.title);
      tx.commit();
      return out;
    });
  }

  Result<Incident> update_incident(std::int64_t id, const IncidentChange& change,
                                   const std::string& actor) override {
    return call<Incident>("update incident", [&](pqxx::connection& c) -> Result<Incident> {
      pqxx::work tx(c);
      const Micros at = now_micros();
      // Lock the row first: concurrent changes of one incident apply one after the other.
      Params lock;
      if (exec(tx, "SELECT id FROM incidents WHERE id = " + lock.add(id) + " FOR UPDATE", lock).empty()) {
        return fail(not_found("no incident with id " + std::to_string(id)));
      }
      auto set = [&](const char* column, const char* kind, std::string_view value) {
        Params p;
        exec(tx, std::string("UPDATE incidents SET ") + column + " = " + p.add(value) +
                     ", updated_us = " + p.add(at) + " WHERE id = " + p.add(id),
             p);
        add_event(tx, id, at, actor, kind, value);
      };
      if (change.status) set("status", "status", to_string(*change.status));
      if (change.severity) set("severity", "severity", *change.severity);
      if (change.owner) set("owner", "owner", *change.owner);
      if (change.note) {
        Params p;
        exec(tx, "UPDATE incidents SET updated_us = " + p.add(at) + " WHERE id = " + p.add(id), p);
        add_event(tx, id, at, actor, "note", *change.note);
      }
      Params p;
      auto rows = exec(tx, std::string("SELECT ") + kIncidentColumns + " FROM incidents WHERE id = " + p.add(id), p);
      Incident current = incident_row(rows[0]);
      tx.commit();
      return current;
    });
  }

  Status link_detection(std::int64_t incident_id, std::int64_t detection_id,
                        const std::string& actor) override {
    return call<bool>("link detection", [&](pqxx::connection& c) -> Result<bool> {
             pqxx::work tx(c);
             Params check;
             if (exec(tx, "SELECT id FROM incidents WHERE id = " + check.add(incident_id) + " FOR UPDATE", check)
                     .empty()) {
               return fail(not_found("no incident with id " + std::to_string(incident_id)));
             }
             Params d;
             if (exec(tx, "SELECT 1 FROM detections WHERE id = " + d.add(detection_id), d).empty()) {
               return fail(not_found("no detection with id " + std::to_string(detection_id)));
             }
             Params p;
             auto r = exec(tx,
                           "INSERT INTO incident_detections (incident_id, detection_id) VALUES (" +
                               p.add(incident_id) + ", " + p.add(detection_id) +
                               ") ON CONFLICT (incident_id, detection_id) DO NOTHING",
                           p);
             if (r.affected_rows() > 0) {
               const Micros at = now_micros();
               add_event(tx, incident_id, at, actor, "link", std::to_string(detection_id));
               Params t;
               exec(tx, "UPDATE incidents SET updated_us = " + t.add(at) + " WHERE id = " + t.add(incident_id), t);
             }
             tx.commit();
             return true;
           })
        .and_then([](bool) -> Status { return ok(); });
  }

  Result<Incident> get_incident(std::int64_t id) override {
    return call<Incident>("get incident", [&](pqxx::connection& c) -> Result<Incident> {
      pqxx::read_transaction tx(c);
      return read_incident(tx, id);
    });
  }

  Result<Page<Incident>> query_incidents(const IncidentFilter& filter, const PageRequest& page) override {
    return call<Page<Incident>>("query incidents", [&](pqxx::connection& c) -> Result<Page<Incident>> {
      pqxx::read_transaction tx(c);
      Where w;
      std::vector<std::string> statuses;
      for (auto s : filter.statuses) statuses.emplace_back(to_string(s));
      w.add_in("status", statuses);
      if (filter.key) w.add("correlation_key = " + w.params.add(*filter.key));
      w.add("id > " + w.params.add(page.after));
      const std::size_t limit = clamp_limit(page.limit);
      auto rows = exec(tx, std::string("SELECT ") + kIncidentColumns + " FROM incidents" + w.sql +
                               " ORDER BY id LIMIT " + std::to_string(limit + 1),
                       w.params);
      Page<Incident> out;
      for (const auto& row : rows) {
        if (out.items.size() == limit) {
          out.next = out.items.back().id;
          break;
        }
        out.items.push_back(incident_row(row));
      }
      return out;
    });
  }

  Result<std::vector<IncidentEvent>> incident_timeline(std::int64_t incident_id) override {
    return call<std::vector<IncidentEvent>>(
        "incident timeline", [&](pqxx::connection& c) -> Result<std::vector<IncidentEvent>> {
          pqxx::read_transaction tx(c);
          if (auto inc = read_incident(tx, incident_id); !inc) return fail(inc.error());
          Params p;
          auto rows = exec(tx,
                           "SELECT id, incident_id, at_us, actor, kind, detail FROM incident_events "
                           "WHERE incident_id = " + p.add(incident_id) + " ORDER BY id",
                           p);
          std::vector<IncidentEvent> out;
          for (const auto& r : rows) {
            out.push_back({i64(r[0]), i64(r[1]), i64(r[2]), text(r[3]), text(r[4]), text(r[5])});
          }
          return out;
        });
  }

  Result<std::vector<Detection>> incident_detections(std::int64_t incident_id) override {
    return call<std::vector<Detection>>(
        "incident detections", [&](pqxx::connection& c) -> Result<std::vector<Detection>> {
          pqxx::read_transaction tx(c);
          if (auto inc = read_incident(tx, incident_id); !inc) return fail(inc.error());
          Params p;
          auto rows = exec(tx,
                           std::string("SELECT ") + kDetectionColumns +
                               " FROM detections WHERE id IN (SELECT detection_id FROM "
                               "incident_detections WHERE incident_id = " +
                               p.add(incident_id) + ") ORDER BY id",
                           p);
          std::vector<Detection> out;
          for (const auto& r : rows) out.push_back(detection_row(r));
          return out;
        });
  }

  // ---- audit ----

  Result<AuditEntry> append_audit(const AuditEntry& entry) override {
    return call<AuditEntry>("append audit", [&](pqxx::connection& c) -> Result<AuditEntry> {
      pqxx::work tx(c);
      AuditEntry e = entry;
      if (e.at == 0) e.at = now_micros();
      Params p;
      std::string sql =
          "INSERT INTO audit_log (at_us, actor, actor_authority, action, target, detail) VALUES (" +
          p.add(e.at) + ", " + p.add(e.actor) + ", " + p.add(e.actor_authority) + ", " +
          p.add(e.action) + ", " + p.add(e.target) + ", " + p.add(e.detail) + ") RETURNING seq";
      e.seq = i64(exec(tx, sql, p)[0][0]);
      tx.commit();
      return e;
    });
  }

  // ---- STIX objects ----

  Result<StixInsertResult> insert_stix_objects(std::span<const StixObject> objects) override {
    return call<StixInsertResult>("insert stix objects", [&](pqxx::connection& c) -> Result<StixInsertResult> {
      pqxx::work tx(c);
      // Commit order = seq order = date_added order (as for alerts).
      tx.exec("LOCK TABLE stix_objects IN SHARE ROW EXCLUSIVE MODE");
      Micros last = i64(tx.exec("SELECT COALESCE(MAX(date_added_us), 0) FROM stix_objects")[0][0]);
      StixInsertResult out;
      for (const StixObject& o : objects) {
        Params f;
        auto found = exec(tx,
                          std::string("SELECT ") + detail::kStixColumns + " FROM stix_objects o WHERE collection = " +
                              f.add(o.collection) + " AND object_id = " + f.add(o.object_id) +
                              " AND version_us = " + f.add(o.version),
                          f);
        if (!found.empty()) {
          out.added.push_back(false);
          out.stored.push_back(stix_row(found[0]));
          continue;
        }
        StixObject row = o;
        row.date_added = std::max(now_micros(), last + 1);
        last = row.date_added;
        Params p;
        std::string sql =
            "INSERT INTO stix_objects (collection, object_id, type, version_us, spec_version, date_added_us, "
            "tlp, source_authority, recipients, coordinators_named, body) VALUES (" +
            p.add(row.collection) + ", " + p.add(row.object_id) + ", " + p.add(row.type) + ", " +
            p.add(row.version) + ", " + p.add(row.spec_version) + ", " + p.add(row.date_added) + ", " +
            p.add(row.tlp) + ", " + p.add(row.source_authority) + ", " + p.add(detail::encode_ids(row.recipients)) +
            ", " + p.add(std::int64_t{row.coordinators_named ? 1 : 0}) + ", " + p.add(row.body) + ") RETURNING seq";
        row.seq = i64(exec(tx, sql, p)[0][0]);
        out.added.push_back(true);
        out.stored.push_back(std::move(row));
      }
      tx.commit();
      return out;
    });
  }

  static StixObject stix_row(const pqxx::row& r) {
    StixObject o;
    o.seq = i64(r[0]);
    o.collection = text(r[1]);
    o.object_id = text(r[2]);
    o.type = text(r[3]);
    o.version = i64(r[4]);
    o.spec_version = text(r[5]);
    o.date_added = i64(r[6]);
    o.tlp = text(r[7]);
    o.source_authority = i64(r[8]);
    o.recipients = detail::decode_ids(text(r[9]));
    o.coordinators_named = i64(r[10]) != 0;
    o.body = text(r[11]);
    return o;
  }

  static Where stix_where(const StixFilter& f) {
    Where w;
    w.add("o.collection = " + w.params.add(f.collection));
    if (f.added_after) w.add("o.date_added_us > " + w.params.add(*f.added_after));
    w.add_in("o.object_id", f.ids);
    w.add_in("o.type", f.types);
    w.add_in("o.spec_version", f.spec_versions);
    std::string spec_cond;
    if (!f.spec_versions.empty()) {
      spec_cond = "o2.spec_version IN (";
      for (std::size_t i = 0; i < f.spec_versions.size(); ++i) {
        spec_cond += (i ? "," : "") + w.params.add(f.spec_versions[i]);
      }
      spec_cond += ")";
    } else {
      w.add(detail::kLatestSpecVersion);
      spec_cond = "o2.spec_version = o.spec_version";
    }
    std::string listed_cond;
    if (!f.versions.listed.empty()) {
      listed_cond = "o.version_us IN (";
      for (std::size_t i = 0; i < f.versions.listed.size(); ++i) {
        listed_cond += (i ? "," : "") + w.params.add(f.versions.listed[i]);
      }
      listed_cond += ")";
    }
    if (std::string cond = detail::version_condition(f.versions, spec_cond, listed_cond); !cond.empty()) w.add(cond);
    return w;
  }

  Result<Page<StixObject>> query_stix_objects(const StixFilter& filter, const PageRequest& page) override {
    return call<Page<StixObject>>("query stix objects", [&](pqxx::connection& c) -> Result<Page<StixObject>> {
      pqxx::read_transaction tx(c);
      Where w = stix_where(filter);
      w.add("o.seq > " + w.params.add(page.after));
      const std::size_t limit = clamp_limit(page.limit);
      auto rows = exec(tx,
                       std::string("SELECT ") + detail::kStixColumns + " FROM stix_objects o" + w.sql +
                           " ORDER BY o.seq LIMIT " + std::to_string(limit + 1),
                       w.params);
      Page<StixObject> out;
      for (const auto& r : rows) {
        if (out.items.size() == limit) {
          out.next = out.items.back().seq;
          break;
        }
        out.items.push_back(stix_row(r));
      }
      return out;
    });
  }

  Result<std::int64_t> delete_stix_objects(const StixFilter& filter) override {
    if (filter.ids.size() != 1) return fail(ErrorCode::kInvalidArgument, "delete names exactly one object id");
    return call<std::int64_t>("delete stix objects", [&](pqxx::connection& c) -> Result<std::int64_t> {
      pqxx::work tx(c);
      Where w = stix_where(filter);
      auto r = exec(tx, "DELETE FROM stix_objects WHERE seq IN (SELECT o.seq FROM stix_objects o" + w.sql + ")",
                    w.params);
      tx.commit();
      return static_cast<std::int64_t>(r.affected_rows());
    });
  }

  Status put_taxii_status(const TaxiiStatus& status) override {
    return call<bool>("put taxii status", [&](pqxx::connection& c) -> Result<bool> {
             pqxx::work tx(c);
             Params p;
             exec(tx,
                  "INSERT INTO taxii_status (id, owner, authority_id, created_us, body) VALUES (" +
                      p.add(status.id) + ", " + p.add(status.owner) + ", " + p.add(status.authority_id) + ", " +
                      p.add(status.created) + ", " + p.add(status.body) + ")",
                  p);
             tx.commit();
             return true;
           })
        .and_then([](bool) -> Status { return ok(); });
  }

  Result<TaxiiStatus> get_taxii_status(std::string_view id) override {
    return call<TaxiiStatus>("get taxii status", [&](pqxx::connection& c) -> Result<TaxiiStatus> {
      pqxx::read_transaction tx(c);
      Params p;
      auto rows = exec(tx, "SELECT id, owner, authority_id, created_us, body FROM taxii_status WHERE id = " + p.add(id), p);
      if (rows.empty()) return fail(not_found("no status " + std::string(id)));
      return TaxiiStatus{text(rows[0][0]), text(rows[0][1]), i64(rows[0][2]), i64(rows[0][3]), text(rows[0][4])};
    });
  }

  Result<std::string> hub_secret(std::string_view name, std::string_view candidate) override {
    return call<std::string>("hub secret", [&](pqxx::connection& c) -> Result<std::string> {
      pqxx::work tx(c);
      Params p;
      exec(tx, "INSERT INTO hub_secrets (name, value) VALUES (" + p.add(name) + ", " + p.add_bytes(candidate) +
                   ") ON CONFLICT (name) DO NOTHING", p);
      Params q;
      auto rows = exec(tx, "SELECT value FROM hub_secrets WHERE name = " + q.add(name), q);
      tx.commit();
      return bytes(rows[0][0]);
    });
  }

  Result<Page<AuditEntry>> read_audit(const PageRequest& page) override {
    return call<Page<AuditEntry>>("read audit", [&](pqxx::connection& c) -> Result<Page<AuditEntry>> {
      pqxx::read_transaction tx(c);
      const std::size_t limit = clamp_limit(page.limit);
      Params p;
      auto rows = exec(tx,
                       "SELECT seq, at_us, actor, actor_authority, action, target, detail FROM "
                       "audit_log WHERE seq > " + p.add(page.after) + " ORDER BY seq LIMIT " +
                           std::to_string(limit + 1),
                       p);
      Page<AuditEntry> out;
      for (const auto& r : rows) {
        if (out.items.size() == limit) {
          out.next = out.items.back().seq;
          break;
        }
        out.items.push_back({i64(r[0]), i64(r[1]), text(r[2]), i64(r[3]), text(r[4]), text(r[5]), text(r[6])});
      }
      return out;
    });
  }

 private:
  // Runs `body` on a pooled connection and turns libpqxx exceptions into Errors: constraint
  // violations are the caller's (kInvalidArgument), everything else the database's (kIo). A
  // connection that broke is not returned to the pool.
  template <typename T, typename Body>
  Result<T> call(std::string_view what, Body&& body) {
    std::unique_ptr<pqxx::connection> connection;
    {
      std::lock_guard lock(pool_mu_);
      if (!pool_.empty()) {
        connection = std::move(pool_.back());
        pool_.pop_back();
      }
    }
    try {
      if (!connection) connection = connect();
      Result<T> result = body(*connection);
      std::lock_guard lock(pool_mu_);
      pool_.push_back(std::move(connection));
      return result;
    } catch (const pqxx::integrity_constraint_violation& e) {
      give_back(std::move(connection));
      return fail(ErrorCode::kInvalidArgument, "postgresql: " + std::string(what) + ": " + first_line(e.what()));
    } catch (const pqxx::broken_connection& e) {
      return fail(ErrorCode::kIo, "postgresql: " + std::string(what) + ": connection lost: " + first_line(e.what()));
    } catch (const pqxx::in_doubt_error& e) {
      return fail(ErrorCode::kIo, "postgresql: " + std::string(what) +
                                      ": connection lost during commit, outcome unknown: " + first_line(e.what()));
    } catch (const std::exception& e) {
      give_back(std::move(connection));
      return fail(ErrorCode::kIo, "postgresql: " + std::string(what) + ": " + first_line(e.what()));
    }
  }

  void give_back(std::unique_ptr<pqxx::connection> connection) {
    if (!connection || !connection->is_open()) return;
    std::lock_guard lock(pool_mu_);
    pool_.push_back(std::move(connection));
  }

  static std::string first_line(const char* message) {
    std::string text(message);
    if (auto nl = text.find('\n'); nl != std::string::npos) text.resize(nl);
    return text;
  }

  std::unique_ptr<pqxx::connection> connect() {
    auto connection = std::make_unique<pqxx::connection>(url_);
    if (!schema_.empty()) {
      pqxx::nontransaction tx(*connection);
      tx.exec("CREATE SCHEMA IF NOT EXISTS " + tx.quote_name(schema_));
      tx.exec("SET search_path TO " + tx.quote_name(schema_));
    }
    return connection;
  }

  Result<std::vector<Authority>> read_authorities(const char* column,
                                                  const std::optional<std::string>& value) {
    return call<std::vector<Authority>>("read authorities", [&](pqxx::connection& c) -> Result<std::vector<Authority>> {
      pqxx::read_transaction tx(c);
      Params p;
      std::string sql = "SELECT id, name, sector, created_us FROM authorities";
      if (value) sql += std::string(" WHERE ") + column + " = " + p.add(*value);
      sql += " ORDER BY name";
      std::vector<Authority> out;
      for (const auto& r : exec(tx, sql, p)) out.push_back({i64(r[0]), text(r[1]), text(r[2]), i64(r[3])});
      return out;
    });
  }

  Result<std::vector<TokenRecord>> read_tokens(const std::optional<std::string>& lookup) {
    return call<std::vector<TokenRecord>>("read tokens", [&](pqxx::connection& c) -> Result<std::vector<TokenRecord>> {
      pqxx::read_transaction tx(c);
      Params p;
      std::string sql =
          "SELECT id, lookup, authority_id, role, salt, hash, created_us, expires_us, revoked_us, "
          "note FROM tokens";
      sql += lookup ? " WHERE lookup = " + p.add(*lookup) : std::string(" ORDER BY id");
      std::vector<TokenRecord> out;
      for (const auto& r : exec(tx, sql, p)) {
        auto token = token_row(r);
        if (!token) return fail(token.error());
        out.push_back(std::move(*token));
      }
      return out;
    });
  }

  static Where alert_where(const AlertFilter& f) {
    Where w;
    if (f.authority_ids) w.add_in("authority_id", *f.authority_ids);
    if (f.from) w.add("event_time_us >= " + w.params.add(*f.from));
    if (f.to) w.add("event_time_us < " + w.params.add(*f.to));
    w.add_in("level", f.levels);
    w.add_in("rule_id", f.rule_ids);
    if (f.tlp_exempt_authority && !f.tlps.empty()) {
      std::string cond = "(authority_id = " + w.params.add(*f.tlp_exempt_authority) + " OR tlp IN (";
      for (std::size_t i = 0; i < f.tlps.size(); ++i) cond += (i ? "," : "") + w.params.add(f.tlps[i]);
      w.add(cond + "))");
    } else {
      w.add_in("tlp", f.tlps);
    }
    if (!f.tags.empty()) {
      std::string cond = "EXISTS (SELECT 1 FROM alert_tags t WHERE t.alert_seq = alerts.seq AND t.tag IN (";
      for (std::size_t i = 0; i < f.tags.size(); ++i) cond += (i ? "," : "") + w.params.add(f.tags[i]);
      w.add(cond + "))");
    }
    return w;
  }

  static void load_tags(pqxx::transaction_base& tx, std::vector<StoredAlert>& alerts) {
    if (alerts.empty()) return;
    Params p;
    std::string sql = "SELECT alert_seq, tag FROM alert_tags WHERE alert_seq IN (";
    for (std::size_t i = 0; i < alerts.size(); ++i) sql += (i ? "," : "") + p.add(alerts[i].seq);
    sql += ") ORDER BY alert_seq, pos";
    std::size_t at = 0;
    for (const auto& r : exec(tx, sql, p)) {
      const std::int64_t seq = i64(r[0]);
      while (at < alerts.size() && alerts[at].seq < seq) ++at;
      if (at < alerts.size() && alerts[at].seq == seq) alerts[at].alert.tags.push_back(text(r[1]));
    }
  }

  static Result<Incident> read_incident(pqxx::transaction_base& tx, std::int64_t id) {
    Params p;
    auto rows = exec(tx, std::string("SELECT ") + kIncidentColumns + " FROM incidents WHERE id = " + p.add(id), p);
    if (rows.empty()) return fail(not_found("no incident with id " + std::to_string(id)));
    return incident_row(rows[0]);
  }

  static void add_event(pqxx::transaction_base& tx, std::int64_t incident_id, Micros at,
                        const std::string& actor, std::string_view kind, std::string_view detail) {
    Params p;
    exec(tx,
         "INSERT INTO incident_events (incident_id, at_us, actor, kind, detail) VALUES (" +
             p.add(incident_id) + ", " + p.add(at) + ", " + p.add(actor) + ", " + p.add(kind) +
             ", " + p.add(detail) + ")",
         p);
  }

  std::string url_;
  std::string schema_;
  std::mutex pool_mu_;
  std::vector<std::unique_ptr<pqxx::connection>> pool_;
};

bool valid_schema_name(const std::string& name) {
  if (name.empty() || name.size() > 63) return false;
  for (char c : name) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) return false;
  }
  return true;
}

}  // namespace

int postgres_schema_latest() { return kMigrations[std::size(kMigrations) - 1].version; }

Result<std::unique_ptr<Store>> open_postgres_store(const std::string& url, const std::string& schema) {
  if (!schema.empty() && !valid_schema_name(schema)) {
    return fail(ErrorCode::kInvalidArgument,
                "invalid PostgreSQL schema name '" + schema + "': letters, digits and _ only");
  }
  auto store = std::make_unique<PostgresStore>(url, schema);
  if (auto s = store->open(); !s) return fail(s.error());
  return std::unique_ptr<Store>(std::move(store));
}

}  // namespace rasid::store
