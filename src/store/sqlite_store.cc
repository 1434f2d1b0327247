#include "store/sqlite_store.h"
#include "store/stix_rows.h"

#include <sqlite3.h>

#include <algorithm>
#include <mutex>
#include <set>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace rasid::store {
namespace {

// Versioned migrations: each step runs once, in order, in one transaction with the row that
// records it in schema_migrations. Never edit a released step; add the next one.
struct Migration {
  int version;
  const char* sql;
};

constexpr Migration kMigrations[] = {
    {1, R"sql(
CREATE TABLE authorities (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  sector TEXT NOT NULL,
  created_us BIGINT NOT NULL);
CREATE TABLE tokens (
  id INTEGER PRIMARY KEY,
  lookup TEXT NOT NULL UNIQUE,
  authority_id BIGINT NOT NULL REFERENCES authorities(id),
  role TEXT NOT NULL,
  salt BLOB NOT NULL,
  hash BLOB NOT NULL,
  created_us BIGINT NOT NULL,
  expires_us BIGINT,
  revoked_us BIGINT,
  note TEXT NOT NULL DEFAULT '');
CREATE TABLE alerts (
  seq INTEGER PRIMARY KEY,
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
  id INTEGER PRIMARY KEY,
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
  id INTEGER PRIMARY KEY,
  title TEXT NOT NULL,
  status TEXT NOT NULL,
  severity TEXT NOT NULL,
  owner TEXT NOT NULL,
  tlp TEXT NOT NULL,
  created_us BIGINT NOT NULL,
  updated_us BIGINT NOT NULL);
CREATE TABLE incident_events (
  id INTEGER PRIMARY KEY,
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
  seq INTEGER PRIMARY KEY,
  at_us BIGINT NOT NULL,
  actor TEXT NOT NULL,
  actor_authority BIGINT NOT NULL,
  action TEXT NOT NULL,
  target TEXT NOT NULL,
  detail TEXT NOT NULL);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
  BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
  BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
)sql"},
    // National correlation (hub/ingest_correlation.h): what a detection shares with others,
    // and the key an incident was opened for.
    {2, R"sql(
ALTER TABLE detections ADD COLUMN facts TEXT NOT NULL DEFAULT '';
ALTER TABLE incidents ADD COLUMN correlation_key TEXT NOT NULL DEFAULT '';
CREATE INDEX incidents_key ON incidents (correlation_key, id);
CREATE INDEX detections_last_seen ON detections (last_seen_us);
)sql"},
    // TAXII 2.1 (hub/taxii.h): every version of every STIX object per collection, the status
    // resources of POSTs, and named server secrets.
    {3, R"sql(
CREATE TABLE stix_objects (
  seq INTEGER PRIMARY KEY,
  collection TEXT NOT NULL,
  object_id TEXT NOT NULL,
  type TEXT NOT NULL,
  version_us INTEGER NOT NULL,
  spec_version TEXT NOT NULL,
  date_added_us INTEGER NOT NULL,
  tlp TEXT NOT NULL CHECK (tlp IN ('clear', 'green', 'amber', 'amber+strict', 'red')),
  source_authority INTEGER NOT NULL,
  recipients TEXT NOT NULL,
  coordinators_named INTEGER NOT NULL,
  body TEXT NOT NULL,
  UNIQUE (collection, object_id, version_us));
CREATE INDEX stix_objects_collection ON stix_objects (collection, seq);
CREATE TABLE taxii_status (
  id TEXT PRIMARY KEY,
  owner TEXT NOT NULL,
  authority_id INTEGER NOT NULL,
  created_us INTEGER NOT NULL,
  body TEXT NOT NULL);
CREATE TABLE hub_secrets (name TEXT PRIMARY KEY, value BLOB NOT NULL);
)sql"},
};

Error sqlite_error(sqlite3* db, std::string_view what) {
  int code = sqlite3_extended_errcode(db);
  ErrorCode kind = (code & 0xff) == SQLITE_CONSTRAINT ? ErrorCode::kInvalidArgument : ErrorCode::kIo;
  return Error{kind, "sqlite: " + std::string(what) + ": " + sqlite3_errmsg(db), {}};
}

using Value = std::variant<std::int64_t, std::string>;

constexpr const char* kIncidentColumns =
    "id, title, status, severity, owner, tlp, created_us, updated_us, correlation_key";

// A prepared statement; finalized on destruction.
class Stmt {
 public:
  Stmt(sqlite3* db, std::string_view sql) : db_(db) {
    rc_ = sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &stmt_, nullptr);
  }
  ~Stmt() { sqlite3_finalize(stmt_); }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  [[nodiscard]] bool prepared() const { return rc_ == SQLITE_OK; }
  void bind(int i, std::int64_t v) { sqlite3_bind_int64(stmt_, i, v); }
  void bind(int i, std::string_view v) {
    sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  }
  void bind_blob(int i, std::string_view v) {
    sqlite3_bind_blob(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  }
  void bind(int i, const std::optional<std::int64_t>& v) {
    if (v) bind(i, *v); else sqlite3_bind_null(stmt_, i);
  }
  void bind(int i, const Value& v) {
    if (auto* n = std::get_if<std::int64_t>(&v)) bind(i, *n);
    else bind(i, std::string_view(std::get<std::string>(v)));
  }
  void bind_all(const std::vector<Value>& values) {
    for (std::size_t i = 0; i < values.size(); ++i) bind(static_cast<int>(i + 1), values[i]);
  }
  // SQLITE_ROW, SQLITE_DONE or an error code.
  int step() { return sqlite3_step(stmt_); }
  void reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  [[nodiscard]] std::int64_t i64(int c) const { return sqlite3_column_int64(stmt_, c); }
  [[nodiscard]] bool null(int c) const { return sqlite3_column_type(stmt_, c) == SQLITE_NULL; }
  [[nodiscard]] std::optional<std::int64_t> opt(int c) const {
    if (null(c)) return std::nullopt;
    return i64(c);
  }
  [[nodiscard]] std::string text(int c) const {
    const void* p = sqlite3_column_blob(stmt_, c);
    int n = sqlite3_column_bytes(stmt_, c);
    return p ? std::string(static_cast<const char*>(p), static_cast<std::size_t>(n)) : std::string();
  }

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
  int rc_;
};

Status exec(sqlite3* db, const char* sql) {
  char* message = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &message) != SQLITE_OK) {
    std::string text = message ? message : "unknown error";
    sqlite3_free(message);
    return fail(ErrorCode::kIo, "sqlite: " + text);
  }
  return ok();
}

// Runs a statement expected to finish without rows.
Status run(sqlite3* db, Stmt& stmt, std::string_view what) {
  if (!stmt.prepared()) return fail(sqlite_error(db, what));
  int rc = stmt.step();
  if (rc != SQLITE_DONE && rc != SQLITE_ROW) return fail(sqlite_error(db, what));
  return ok();
}

// Rolls back unless committed: every write method is all or nothing.
class Transaction {
 public:
  explicit Transaction(sqlite3* db) : db_(db) {}
  ~Transaction() {
    if (begun_ && !done_) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  }
  // IMMEDIATE takes the write lock now, so busy waits happen here, not mid-transaction.
  Status begin() {
    if (auto s = exec(db_, "BEGIN IMMEDIATE"); !s) return s;
    begun_ = true;
    return ok();
  }
  Status commit() {
    if (auto s = exec(db_, "COMMIT"); !s) return s;
    done_ = true;
    return ok();
  }

 private:
  sqlite3* db_;
  bool begun_ = false;
  bool done_ = false;
};

// SQL text and parameters of a WHERE clause built from filters.
struct Where {
  std::string sql;
  std::vector<Value> values;

  void add(std::string cond) {
    sql += sql.empty() ? " WHERE " : " AND ";
    sql += cond;
  }
  void add_in(std::string_view column, const std::vector<std::string>& list) {
    if (list.empty()) return;
    std::string cond = std::string(column) + " IN (";
    for (std::size_t i = 0; i < list.size(); ++i) {
      cond += i ? ",?" : "?";
      values.emplace_back(list[i]);
    }
    add(cond + ")");
  }
  void add_in(std::string_view column, const std::vector<std::int64_t>& list) {
    if (list.empty()) {
      add("0 = 1");  // an empty allow-list selects nothing
      return;
    }
    std::string cond = std::string(column) + " IN (";
    for (std::size_t i = 0; i < list.size(); ++i) {
      cond += i ? ",?" : "?";
      values.emplace_back(list[i]);
    }
    add(cond + ")");
  }
};

std::size_t clamp_limit(std::size_t limit) {
  if (limit == 0) return 1;
  return limit > kMaxPageSize ? kMaxPageSize : limit;
}

class SqliteStore final : public Store {
 public:
  explicit SqliteStore(std::string path) : path_(std::move(path)) {}
  ~SqliteStore() override {
    for (sqlite3* db : readers_) sqlite3_close_v2(db);
    if (writer_) sqlite3_close_v2(writer_);
  }

  Status open() {
    auto db = connect(false);
    if (!db) return fail(db.error());
    writer_ = *db;
    // WAL: readers never block the writer. FULL: the WAL is synced at every commit, so a
    // commit that returned is on disk (NORMAL would survive kill -9 but not power loss).
    if (auto s = exec(writer_, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"); !s) return s;
    return migrate();
  }

  Result<int> schema_version() override {
    Reader r(*this);
    if (!r) return fail(r.error());
    Stmt st(r.db(), "SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
    if (!st.prepared() || st.step() != SQLITE_ROW) return fail(sqlite_error(r.db(), "schema version"));
    return static_cast<int>(st.i64(0));
  }

  // ---- authorities ----

  Result<Authority> add_authority(const std::string& name, const std::string& sector) override {
    std::lock_guard lock(write_mu_);
    Authority a{0, name, sector, now_micros()};
    Stmt st(writer_, "INSERT INTO authorities (name, sector, created_us) VALUES (?, ?, ?)");
    st.bind(1, std::string_view(name));
    st.bind(2, std::string_view(sector));
    st.bind(3, a.created);
    if (auto s = run(writer_, st, "add authority"); !s) {
      if (s.error().code == ErrorCode::kInvalidArgument)
        return fail(ErrorCode::kInvalidArgument, "authority '" + name + "' exists already");
      return fail(s.error());
    }
    a.id = sqlite3_last_insert_rowid(writer_);
    return a;
  }

  Result<std::vector<Authority>> list_authorities() override {
    return read_authorities("SELECT id, name, sector, created_us FROM authorities ORDER BY name", {});
  }

  Result<Authority> find_authority(std::string_view name) override {
    auto list = read_authorities("SELECT id, name, sector, created_us FROM authorities WHERE name = ?",
                                 {std::string(name)});
    if (!list) return fail(list.error());
    if (list->empty()) return fail(ErrorCode::kNotFound, "no authority '" + std::string(name) + "'");
    return list->front();
  }

  Result<Authority> get_authority(std::int64_t id) override {
    auto list = read_authorities("SELECT id, name, sector, created_us FROM authorities WHERE id = ?", {id});
    if (!list) return fail(list.error());
    if (list->empty()) return fail(ErrorCode::kNotFound, "no authority with id " + std::to_string(id));
    return list->front();
  }

  // ---- tokens ----

  Result<TokenRecord> add_token(const TokenRecord& token) override {
    std::lock_guard lock(write_mu_);
    TokenRecord t = token;
    t.created = now_micros();
    Stmt st(writer_,
            "INSERT INTO tokens (lookup, authority_id, role, salt, hash, created_us, expires_us, "
            "revoked_us, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
    st.bind(1, std::string_view(t.lookup));
    st.bind(2, t.authority_id);
    st.bind(3, to_string(t.role));
    st.bind_blob(4, t.salt);
    st.bind_blob(5, t.hash);
    st.bind(6, t.created);
    st.bind(7, t.expires);
    st.bind(8, t.revoked);
    st.bind(9, std::string_view(t.note));
    if (auto s = run(writer_, st, "add token"); !s) {
      if (s.error().code == ErrorCode::kInvalidArgument)
        return fail(ErrorCode::kInvalidArgument,
                    "token '" + t.lookup + "' exists already or its authority does not exist");
      return fail(s.error());
    }
    t.id = sqlite3_last_insert_rowid(writer_);
    return t;
  }

  Result<TokenRecord> find_token(std::string_view lookup) override {
    auto list = read_tokens(" WHERE lookup = ?", {std::string(lookup)});
    if (!list) return fail(list.error());
    if (list->empty()) return fail(ErrorCode::kNotFound, "no token '" + std::string(lookup) + "'");
    return list->front();
  }

  Result<std::vector<TokenRecord>> list_tokens() override { return read_tokens(" ORDER BY id", {}); }

  Status revoke_token(std::string_view lookup, Micros at) override {
    std::lock_guard lock(write_mu_);
    Stmt st(writer_, "UPDATE tokens SET revoked_us = COALESCE(revoked_us, ?) WHERE lookup = ?");
    st.bind(1, at);
    st.bind(2, lookup);
    if (auto s = run(writer_, st, "revoke token"); !s) return s;
    if (sqlite3_changes(writer_) == 0)
      return fail(ErrorCode::kNotFound, "no token '" + std::string(lookup) + "'");
    return ok();
  }

  // ---- alerts ----

  Result<InsertResult> insert_alerts(std::int64_t authority_id, std::span<const NewAlert> alerts,
                                     Micros received) override {
    std::lock_guard lock(write_mu_);
    Transaction tx(writer_);
    if (auto s = tx.begin(); !s) return fail(s.error());
    Stmt ins(writer_,
             "INSERT INTO alerts (authority_id, alert_id, received_us, event_time_us, rule_id, "
             "rule_title, level, tlp, host, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
             "ON CONFLICT (authority_id, alert_id) DO NOTHING");
    Stmt tag(writer_, "INSERT INTO alert_tags (alert_seq, pos, tag) VALUES (?, ?, ?)");
    if (!ins.prepared() || !tag.prepared()) return fail(sqlite_error(writer_, "prepare insert"));
    InsertResult result;
    for (std::size_t index = 0; index < alerts.size(); ++index) {
      const NewAlert& a = alerts[index];
      ins.reset();
      ins.bind(1, authority_id);
      ins.bind(2, std::string_view(a.alert_id));
      ins.bind(3, received);
      ins.bind(4, a.event_time);
      ins.bind(5, std::string_view(a.rule_id));
      ins.bind(6, std::string_view(a.rule_title));
      ins.bind(7, std::string_view(a.level));
      ins.bind(8, std::string_view(a.tlp));
      ins.bind(9, std::string_view(a.host));
      ins.bind(10, std::string_view(a.body));
      if (ins.step() != SQLITE_DONE) return fail(sqlite_error(writer_, "insert alert"));
      if (sqlite3_changes(writer_) == 0) {
        ++result.duplicates;
        continue;
      }
      ++result.accepted;
      result.accepted_index.push_back(index);
      std::int64_t seq = sqlite3_last_insert_rowid(writer_);
      for (std::size_t i = 0; i < a.tags.size(); ++i) {
        tag.reset();
        tag.bind(1, seq);
        tag.bind(2, static_cast<std::int64_t>(i));
        tag.bind(3, std::string_view(a.tags[i]));
        if (tag.step() != SQLITE_DONE) return fail(sqlite_error(writer_, "insert alert tag"));
      }
    }
    if (auto s = tx.commit(); !s) return fail(s.error());
    return result;
  }

  Result<Page<StoredAlert>> query_alerts(const AlertFilter& filter, const PageRequest& page) override {
    Reader r(*this);
    if (!r) return fail(r.error());
    Where w = alert_where(filter);
    w.add("seq > ?");
    w.values.emplace_back(page.after);
    std::size_t limit = clamp_limit(page.limit);
    std::string sql =
        "SELECT seq, authority_id, received_us, alert_id, event_time_us, rule_id, rule_title, "
        "level, tlp, host, body FROM alerts" + w.sql + " ORDER BY seq LIMIT " +
        std::to_string(limit + 1);
    Stmt st(r.db(), sql);
    if (!st.prepared()) return fail(sqlite_error(r.db(), "query alerts"));
    st.bind_all(w.values);
    Page<StoredAlert> out;
    int rc;
    while ((rc = st.step()) == SQLITE_ROW) {
      if (out.items.size() == limit) {
        out.next = out.items.back().seq;
        break;
      }
      StoredAlert a;
      a.seq = st.i64(0);
      a.authority_id = st.i64(1);
      a.received = st.i64(2);
      a.alert.alert_id = st.text(3);
      a.alert.event_time = st.opt(4);
      a.alert.rule_id = st.text(5);
      a.alert.rule_title = st.text(6);
      a.alert.level = st.text(7);
      a.alert.tlp = st.text(8);
      a.alert.host = st.text(9);
      a.alert.body = st.text(10);
      out.items.push_back(std::move(a));
    }
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) return fail(sqlite_error(r.db(), "query alerts"));
    if (auto s = load_tags(r.db(), out.items); !s) return fail(s.error());
    return out;
  }

  Result<std::int64_t> count_alerts(const AlertFilter& filter) override {
    Reader r(*this);
    if (!r) return fail(r.error());
    Where w = alert_where(filter);
    Stmt st(r.db(), "SELECT COUNT(*) FROM alerts" + w.sql);
    if (!st.prepared()) return fail(sqlite_error(r.db(), "count alerts"));
    st.bind_all(w.values);
    if (st.step() != SQLITE_ROW) return fail(sqlite_error(r.db(), "count alerts"));
    return st.i64(0);
  }

  Result<StoredAlert> get_alert(std::int64_t authority_id, std::string_view alert_id) override {
    Reader r(*this);
    if (!r) return fail(r.error());
    Stmt st(r.db(),
            "SELECT seq, authority_id, received_us, alert_id, event_time_us, rule_id, rule_title, "
            "level, tlp, host, body FROM alerts WHERE authority_id = ? AND alert_id = ?");
    if (!st.prepared()) return fail(sqlite_error(r.db(), "get alert"));
    st.bind(1, authority_id);
    st.bind(2, alert_id);
    int rc = st.step();
    if (rc == SQLITE_DONE) return fail(ErrorCode::kNotFound, "no alert '" + std::string(alert_id) + "'");
    if (rc != SQLITE_ROW) return fail(sqlite_error(r.db(), "get alert"));
    std::vector<StoredAlert> one(1);
    StoredAlert& a = one[0];
    a.seq = st.i64(0);
    a.authority_id = st.i64(1);
    a.received = st.i64(2);
    a.alert.alert_id = st.text(3);
    a.alert.event_time = st.opt(4);
    a.alert.rule_id = st.text(5);
    a.alert.rule_title = st.text(6);
    a.alert.level = st.text(7);
    a.alert.tlp = st.text(8);
    a.alert.host = st.text(9);
    a.alert.body = st.text(10);
    if (auto s = load_tags(r.db(), one); !s) return fail(s.error());
    return std::move(one[0]);
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
    std::lock_guard lock(write_mu_);
    Stmt st(writer_, "UPDATE detections SET last_seen_us = ?, alert_count = ? WHERE id = ?");
    st.bind(1, last_seen);
    st.bind(2, alert_count);
    st.bind(3, id);
    if (auto s = run(writer_, st, "update detection"); !s) return s;
    if (sqlite3_changes(writer_) == 0)
      return fail(ErrorCode::kNotFound, "no detection with id " + std::to_string(id));
    return ok();
  }

  Result<std::vector<std::int64_t>> write_detections(std::span<const Detection> detections) override {
    std::lock_guard lock(write_mu_);
    Transaction tx(writer_);
    if (auto s = tx.begin(); !s) return fail(s.error());
    Stmt add(writer_,
             "INSERT INTO detections (authority_id, rule_id, rule_title, level, host, tlp, "
             "first_seen_us, last_seen_us, alert_count, facts) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    Stmt update(writer_, "UPDATE detections SET last_seen_us = ?, alert_count = ? WHERE id = ?");
    if (!add.prepared() || !update.prepared()) return fail(sqlite_error(writer_, "prepare write detections"));
    std::vector<std::int64_t> ids;
    for (const Detection& d : detections) {
      if (d.id == 0) {
        add.reset();
        add.bind(1, d.authority_id);
        add.bind(2, std::string_view(d.rule_id));
        add.bind(3, std::string_view(d.rule_title));
        add.bind(4, std::string_view(d.level));
        add.bind(5, std::string_view(d.host));
        add.bind(6, std::string_view(d.tlp));
        add.bind(7, d.first_seen);
        add.bind(8, d.last_seen);
        add.bind(9, d.alert_count);
        add.bind(10, std::string_view(d.facts));
        if (add.step() != SQLITE_DONE) return fail(sqlite_error(writer_, "add detection"));
        ids.push_back(sqlite3_last_insert_rowid(writer_));
      } else {
        update.reset();
        update.bind(1, d.last_seen);
        update.bind(2, d.alert_count);
        update.bind(3, d.id);
        if (update.step() != SQLITE_DONE) return fail(sqlite_error(writer_, "update detection"));
        if (sqlite3_changes(writer_) == 0)
          return fail(ErrorCode::kNotFound, "no detection with id " + std::to_string(d.id));
        ids.push_back(d.id);
      }
    }
    if (auto s = tx.commit(); !s) return fail(s.error());
    return ids;
  }

  Result<Detection> get_detection(std::int64_t id) override {
    Reader r(*this);
    if (!r) return fail(r.error());
    Where w;
    w.add("id = ?");
    w.values.emplace_back(id);
    auto list = read_detections(r.db(), w, 1);
    if (!list) return fail(list.error());
    if (list->empty()) return fail(ErrorCode::kNotFound, "no detection with id " + std::to_string(id));
    return list->front();
  }

  Result<Page<Detection>> query_detections(const DetectionFilter& filter,
                                           const PageRequest& page) override {
    Reader r(*this);
    if (!r) return fail(r.error());
    Where w;
    if (filter.authority_ids) w.add_in("authority_id", *filter.authority_ids);
    if (filter.from) {
      w.add("last_seen_us >= ?");
      w.values.emplace_back(*filter.from);
    }
    if (filter.to) {
      w.add("first_seen_us < ?");
      w.values.emplace_back(*filter.to);
    }
    w.add_in("rule_id", filter.rule_ids);
    w.add_in("level", filter.levels);
    w.add("id > ?");
    w.values.emplace_back(page.after);
    std::size_t limit = clamp_limit(page.limit);
    auto list = read_detections(r.db(), w, limit + 1);
    if (!list) return fail(list.error());
    Page<Detection> out;
    out.items = std::move(*list);
    if (out.items.size() > limit) {
      out.items.resize(limit);
      out.next = out.items.back().id;
    }
    return out;
  }

  // ---- STIX objects ----

  Result<StixInsertResult> insert_stix_objects(std::span<const StixObject> objects) override {
    std::lock_guard lock(write_mu_);
    Transaction tx(writer_);
    if (auto s = tx.begin(); !s) return fail(s.error());
    Micros last = 0;
    {
      Stmt st(writer_, "SELECT COALESCE(MAX(date_added_us), 0) FROM stix_objects");
      if (!st.prepared() || st.step() != SQLITE_ROW) return fail(sqlite_error(writer_, "last date_added"));
      last = st.i64(0);
    }
    Stmt find(writer_, std::string("SELECT ") + detail::kStixColumns +
                           " FROM stix_objects o WHERE collection = ? AND object_id = ? AND version_us = ?");
    Stmt add(writer_,
             "INSERT INTO stix_objects (collection, object_id, type, version_us, spec_version, "
             "date_added_us, tlp, source_authority, recipients, coordinators_named, body) "
             "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    if (!find.prepared() || !add.prepared()) return fail(sqlite_error(writer_, "prepare insert stix objects"));
    StixInsertResult out;
    for (const StixObject& o : objects) {
      find.reset();
      find.bind(1, std::string_view(o.collection));
      find.bind(2, std::string_view(o.object_id));
      find.bind(3, o.version);
      int rc = find.step();
      if (rc == SQLITE_ROW) {
        out.added.push_back(false);
        out.stored.push_back(stix_row(find));
        continue;
      }
      if (rc != SQLITE_DONE) return fail(sqlite_error(writer_, "find stix object"));
      StixObject row = o;
      row.date_added = std::max(now_micros(), last + 1);
      last = row.date_added;
      add.reset();
      add.bind(1, std::string_view(row.collection));
      add.bind(2, std::string_view(row.object_id));
      add.bind(3, std::string_view(row.type));
      add.bind(4, row.version);
      add.bind(5, std::string_view(row.spec_version));
      add.bind(6, row.date_added);
      add.bind(7, std::string_view(row.tlp));
      add.bind(8, row.source_authority);
      const std::string recipients = detail::encode_ids(row.recipients);
      add.bind(9, std::string_view(recipients));
      add.bind(10, std::int64_t{row.coordinators_named ? 1 : 0});
      add.bind(11, std::string_view(row.body));
      if (add.step() != SQLITE_DONE) return fail(sqlite_error(writer_, "insert stix object"));
      row.seq = sqlite3_last_insert_rowid(writer_);
      out.added.push_back(true);
      out.stored.push_back(std::move(row));
    }
    if (auto s = tx.commit(); !s) return fail(s.error());
    return out;
  }

  static StixObject stix_row(const Stmt& st) {
    StixObject o;
    o.seq = st.i64(0);
    o.collection = st.text(1);
    o.object_id = st.text(2);
    o.type = st.text(3);
    o.version = st.i64(4);
    o.spec_version = st.text(5);
    o.date_added = st.i64(6);
    o.tlp = st.text(7);
    o.source_authority = st.i64(8);
    o.recipients = detail::decode_ids(st.text(9));
    o.coordinators_named = st.i64(10) != 0;
    o.body = st.text(11);
    return o;
  }

  static Where stix_where(const StixFilter& f) {
    Where w;
    w.add("o.collection = ?");
    w.values.emplace_back(f.collection);
    if (f.added_after) {
      w.add("o.date_added_us > ?");
      w.values.emplace_back(*f.added_after);
    }
    w.add_in("o.object_id", f.ids);
    w.add_in("o.type", f.types);
    w.add_in("o.spec_version", f.spec_versions);
    // Placeholders are positional: the subqueries' spec versions (once per first/last), then
    // the listed versions, in the order they appear in the condition.
    std::string spec_cond;
    if (!f.spec_versions.empty()) {
      spec_cond = "o2.spec_version IN (";
      for (std::size_t i = 0; i < f.spec_versions.size(); ++i) spec_cond += i ? ",?" : "?";
      spec_cond += ")";
    } else {
      w.add(detail::kLatestSpecVersion);
      spec_cond = "o2.spec_version = o.spec_version";
    }
    std::string listed_cond;
    if (!f.versions.listed.empty()) {
      listed_cond = "o.version_us IN (";
      for (std::size_t i = 0; i < f.versions.listed.size(); ++i) listed_cond += i ? ",?" : "?";
      listed_cond += ")";
    }
    if (std::string cond = detail::version_condition(f.versions, spec_cond, listed_cond); !cond.empty()) {
      w.add(cond);
      if (cond != "0 = 1") {
        for (bool on : {f.versions.first, f.versions.last}) {
          if (!on) continue;
          for (const std::string& v : f.spec_versions) w.values.emplace_back(v);
        }
        for (Micros v : f.versions.listed) w.values.emplace_back(v);
      }
    }
    return w;
  }

  Result<Page<StixObject>> query_stix_objects(const StixFilter& filter, const PageRequest& page) override {
    Reader r(*this);
    if (!r) return fail(r.error());
    Where w = stix_where(filter);
    w.add("o.seq > ?");
    w.values.emplace_back(page.after);
    const std::size_t limit = clamp_limit(page.limit);
    Stmt st(r.db(), std::string("SELECT ") + detail::kStixColumns + " FROM stix_objects o" + w.sql +
                        " ORDER BY o.seq LIMIT " + std::to_string(limit + 1));
    if (!st.prepared()) return fail(sqlite_error(r.db(), "query stix objects"));
    st.bind_all(w.values);
    Page<StixObject> out;
    int rc;
    while ((rc = st.step()) == SQLITE_ROW) {
      if (out.items.size() == limit) {
        out.next = out.items.back().seq;
        break;
      }
      out.items.push_back(stix_row(st));
    }
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) return fail(sqlite_error(r.db(), "query stix objects"));
    return out;
  }

  Result<std::int64_t> delete_stix_objects(const StixFilter& filter) override {
    if (filter.ids.size() != 1) return fail(ErrorCode::kInvalidArgument, "delete names exactly one object id");
    std::lock_guard lock(write_mu_);
    Where w = stix_where(filter);
    Stmt st(writer_, "DELETE FROM stix_objects WHERE seq IN (SELECT o.seq FROM stix_objects o" + w.sql + ")");
    if (!st.prepared()) return fail(sqlite_error(writer_, "delete stix objects"));
    st.bind_all(w.values);
    if (auto s = run(writer_, st, "delete stix objects"); !s) return fail(s.error());
    return static_cast<std::int64_t>(sqlite3_changes(writer_));
  }

  Status put_taxii_status(const TaxiiStatus& status) override {
    std::lock_guard lock(write_mu_);
    Stmt st(writer_, "INSERT INTO taxii_status (id, owner, authority_id, created_us, body) VALUES (?, ?, ?, ?, ?)");
    st.bind(1, std::string_view(status.id));
    st.bind(2, std::string_view(status.owner));
    st.bind(3, status.authority_id);
    st.bind(4, status.created);
    st.bind(5, std::string_view(status.body));
    return run(writer_, st, "put taxii status");
  }

  Result<TaxiiStatus> get_taxii_status(std::string_view id) override {
    Reader r(*this);
    if (!r) return fail(r.error());
    Stmt st(r.db(), "SELECT id, owner, authority_id, created_us, body FROM taxii_status WHERE id = ?");
    if (!st.prepared()) return fail(sqlite_error(r.db(), "get taxii status"));
    st.bind(1, id);
    int rc = st.step();
    if (rc == SQLITE_DONE) return fail(ErrorCode::kNotFound, "no status " + std::string(id));
    if (rc != SQLITE_ROW) return fail(sqlite_error(r.db(), "get taxii status"));
    return TaxiiStatus{st.text(0), st.text(1), st.i64(2), st.i64(3), st.text(4)};
  }

  Result<std::string> hub_secret(std::string_view name, std::string_view candidate) override {
    std::lock_guard lock(write_mu_);
    Stmt ins(writer_, "INSERT INTO hub_secrets (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING");
    ins.bind(1, name);
    ins.bind_blob(2, candidate);
    if (auto s = run(writer_, ins, "put secret"); !s) return fail(s.error());
    Stmt st(writer_, "SELECT value FROM hub_secrets WHERE name = ?");
    st.bind(1, name);
    if (!st.prepared() || st.step() != SQLITE_ROW) return fail(sqlite_error(writer_, "get secret"));
    return st.text(0);
  }

  // ---- incidents ----

  Result<Incident> create_incident(const Incident& incident, const std::string& actor) override {
    std::lock_guard lock(write_mu_);
    Transaction tx(writer_);
    if (auto s = tx.begin(); !s) return fail(s.error());
    Incident out = incident;
    out.created = out.updated = now_micros();
    Stmt st(writer_,
            "INSERT INTO incidents (title, status, severity, owner, tlp, created_us, updated_us, "
            "correlation_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
    st.bind(1, std::string_view(out.title));
    st.bind(2, to_string(out.status));
    st.bind(3, std::string_view(out.severity));
    st.bind(4, std::string_view(out.owner));
    st.bind(5, std::string_view(out.tlp));
    st.bind(6, out.created);
    st.bind(7, out.updated);
    st.bind(8, std::string_view(out.key));
    if (auto s = run(writer_, st, "create incident"); !s) return fail(s.error());
    out.id = sqlite3_last_insert_rowid(writer_);
    if (auto s = add_event(out.id, out.created, actor, "created", out.title); !s) return fail(s.error());
    if (auto s = tx.commit(); !s) return fail(s.error());
    return out;
  }

  Result<Incident> update_incident(std::int64_t id, const IncidentChange& change,
                                   const std::string& actor) override {
    std::lock_guard lock(write_mu_);
    Transaction tx(writer_);
    if (auto s = tx.begin(); !s) return fail(s.error());
    Micros at = now_micros();
    auto set = [&](const char* column, const char* kind, std::string_view value) -> Status {
      Stmt st(writer_, std::string("UPDATE incidents SET ") + column + " = ?, updated_us = ? WHERE id = ?");
      st.bind(1, value);
      st.bind(2, at);
      st.bind(3, id);
      if (auto s = run(writer_, st, "update incident"); !s) return s;
      if (sqlite3_changes(writer_) == 0)
        return fail(ErrorCode::kNotFound, "no incident with id " + std::to_string(id));
      return add_event(id, at, actor, kind, value);
    };
    if (change.status) {
      if (auto s = set("status", "status", to_string(*change.status)); !s) return fail(s.error());
    }
    if (change.severity) {
      if (auto s = set("severity", "severity", *change.severity); !s) return fail(s.error());
    }
    if (change.owner) {
      if (auto s = set("owner", "owner", *change.owner); !s) return fail(s.error());
    }
    if (change.note) {
      Stmt st(writer_, "UPDATE incidents SET updated_us = ? WHERE id = ?");
      st.bind(1, at);
      st.bind(2, id);
      if (auto s = run(writer_, st, "add note"); !s) return fail(s.error());
      if (sqlite3_changes(writer_) == 0)
        return fail(ErrorCode::kNotFound, "no incident with id " + std::to_string(id));
      if (auto s = add_event(id, at, actor, "note", *change.note); !s) return fail(s.error());
    }
    auto current = read_incident(writer_, id);
    if (!current) return fail(current.error());
    if (auto s = tx.commit(); !s) return fail(s.error());
    return current;
  }

  Status link_detection(std::int64_t incident_id, std::int64_t detection_id,
                        const std::string& actor) override {
    std::lock_guard lock(write_mu_);
    Transaction tx(writer_);
    if (auto s = tx.begin(); !s) return s;
    if (auto inc = read_incident(writer_, incident_id); !inc) return fail(inc.error());
    {
      Stmt d(writer_, "SELECT 1 FROM detections WHERE id = ?");
      d.bind(1, detection_id);
      if (d.step() != SQLITE_ROW)
        return fail(ErrorCode::kNotFound, "no detection with id " + std::to_string(detection_id));
    }
    Stmt st(writer_,
            "INSERT INTO incident_detections (incident_id, detection_id) VALUES (?, ?) "
            "ON CONFLICT (incident_id, detection_id) DO NOTHING");
    st.bind(1, incident_id);
    st.bind(2, detection_id);
    if (auto s = run(writer_, st, "link detection"); !s) return s;
    if (sqlite3_changes(writer_) > 0) {
      Micros at = now_micros();
      if (auto s = add_event(incident_id, at, actor, "link", std::to_string(detection_id)); !s) return s;
      Stmt touch(writer_, "UPDATE incidents SET updated_us = ? WHERE id = ?");
      touch.bind(1, at);
      touch.bind(2, incident_id);
      if (auto s = run(writer_, touch, "link detection"); !s) return s;
    }
    return tx.commit();
  }

  Result<Incident> get_incident(std::int64_t id) override {
    Reader r(*this);
    if (!r) return fail(r.error());
    return read_incident(r.db(), id);
  }

  Result<Page<Incident>> query_incidents(const IncidentFilter& filter, const PageRequest& page) override {
    Reader r(*this);
    if (!r) return fail(r.error());
    Where w;
    std::vector<std::string> statuses;
    for (auto s : filter.statuses) statuses.emplace_back(to_string(s));
    w.add_in("status", statuses);
    if (filter.key) {
      w.add("correlation_key = ?");
      w.values.emplace_back(*filter.key);
    }
    w.add("id > ?");
    w.values.emplace_back(page.after);
    std::size_t limit = clamp_limit(page.limit);
    Stmt st(r.db(), "SELECT " + std::string(kIncidentColumns) + " FROM incidents" +
                        w.sql + " ORDER BY id LIMIT " + std::to_string(limit + 1));
    if (!st.prepared()) return fail(sqlite_error(r.db(), "query incidents"));
    st.bind_all(w.values);
    Page<Incident> out;
    int rc;
    while ((rc = st.step()) == SQLITE_ROW) {
      if (out.items.size() == limit) {
        out.next = out.items.back().id;
        break;
      }
      out.items.push_back(incident_row(st));
    }
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) return fail(sqlite_error(r.db(), "query incidents"));
    return out;
  }

  Result<std::vector<IncidentEvent>> incident_timeline(std::int64_t incident_id) override {
    Reader r(*this);
    if (!r) return fail(r.error());
    if (auto inc = read_incident(r.db(), incident_id); !inc) return fail(inc.error());
    Stmt st(r.db(),
            "SELECT id, incident_id, at_us, actor, kind, detail FROM incident_events "
            "WHERE incident_id = ? ORDER BY id");
    if (!st.prepared()) return fail(sqlite_error(r.db(), "incident timeline"));
    st.bind(1, incident_id);
    std::vector<IncidentEvent> out;
    int rc;
    while ((rc = st.step()) == SQLITE_ROW) {
      out.push_back({st.i64(0), st.i64(1), st.i64(2), st.text(3), st.text(4), st.text(5)});
    }
    if (rc != SQLITE_DONE) return fail(sqlite_error(r.db(), "incident timeline"));
    return out;
  }

  Result<std::vector<Detection>> incident_detections(std::int64_t incident_id) override {
    Reader r(*this);
    if (!r) return fail(r.error());
    if (auto inc = read_incident(r.db(), incident_id); !inc) return fail(inc.error());
    Where w;
    w.add("id IN (SELECT detection_id FROM incident_detections WHERE incident_id = ?)");
    w.values.emplace_back(incident_id);
    return read_detections(r.db(), w, kMaxPageSize * 100);
  }

  // ---- audit ----

  Result<AuditEntry> append_audit(const AuditEntry& entry) override {
    std::lock_guard lock(write_mu_);
    AuditEntry e = entry;
    if (e.at == 0) e.at = now_micros();
    Stmt st(writer_,
            "INSERT INTO audit_log (at_us, actor, actor_authority, action, target, detail) "
            "VALUES (?, ?, ?, ?, ?, ?)");
    st.bind(1, e.at);
    st.bind(2, std::string_view(e.actor));
    st.bind(3, e.actor_authority);
    st.bind(4, std::string_view(e.action));
    st.bind(5, std::string_view(e.target));
    st.bind(6, std::string_view(e.detail));
    if (auto s = run(writer_, st, "append audit"); !s) return fail(s.error());
    e.seq = sqlite3_last_insert_rowid(writer_);
    return e;
  }

  Result<Page<AuditEntry>> read_audit(const PageRequest& page) override {
    Reader r(*this);
    if (!r) return fail(r.error());
    std::size_t limit = clamp_limit(page.limit);
    Stmt st(r.db(), "SELECT seq, at_us, actor, actor_authority, action, target, detail FROM audit_log "
                    "WHERE seq > ? ORDER BY seq LIMIT " + std::to_string(limit + 1));
    if (!st.prepared()) return fail(sqlite_error(r.db(), "read audit"));
    st.bind(1, page.after);
    Page<AuditEntry> out;
    int rc;
    while ((rc = st.step()) == SQLITE_ROW) {
      if (out.items.size() == limit) {
        out.next = out.items.back().seq;
        break;
      }
      out.items.push_back({st.i64(0), st.i64(1), st.text(2), st.i64(3), st.text(4), st.text(5), st.text(6)});
    }
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) return fail(sqlite_error(r.db(), "read audit"));
    return out;
  }

 private:
  // A read-only connection borrowed from the pool for one call.
  class Reader {
   public:
    explicit Reader(SqliteStore& store) : store_(store) {
      std::lock_guard lock(store_.pool_mu_);
      if (!store_.readers_.empty()) {
        db_ = store_.readers_.back();
        store_.readers_.pop_back();
        return;
      }
      auto db = store_.connect(true);
      if (db) db_ = *db; else error_ = db.error();
    }
    ~Reader() {
      if (!db_) return;
      std::lock_guard lock(store_.pool_mu_);
      store_.readers_.push_back(db_);
    }
    Reader(const Reader&) = delete;
    Reader& operator=(const Reader&) = delete;
    explicit operator bool() const { return db_ != nullptr; }
    [[nodiscard]] const Error& error() const { return error_; }
    [[nodiscard]] sqlite3* db() const { return db_; }

   private:
    SqliteStore& store_;
    sqlite3* db_ = nullptr;
    Error error_;
  };

  Result<sqlite3*> connect(bool read_only) {
    sqlite3* db = nullptr;
    int flags = (read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) |
                SQLITE_OPEN_NOMUTEX;
    if (sqlite3_open_v2(path_.c_str(), &db, flags, nullptr) != SQLITE_OK) {
      std::string message = db ? sqlite3_errmsg(db) : "out of memory";
      sqlite3_close_v2(db);
      return fail(ErrorCode::kIo, "cannot open database " + path_ + ": " + message);
    }
    sqlite3_busy_timeout(db, kBusyTimeoutMs);
    sqlite3_extended_result_codes(db, 1);
    if (auto s = exec(db, "PRAGMA foreign_keys=ON"); !s) {
      sqlite3_close_v2(db);
      return fail(s.error());
    }
    return db;
  }

  Status migrate() {
    std::lock_guard lock(write_mu_);
    Transaction tx(writer_);
    if (auto s = tx.begin(); !s) return s;
    if (auto s = exec(writer_,
                      "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
                      "applied_us BIGINT NOT NULL)");
        !s)
      return s;
    int current = 0;
    {
      Stmt st(writer_, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
      if (!st.prepared() || st.step() != SQLITE_ROW) return fail(sqlite_error(writer_, "schema version"));
      current = static_cast<int>(st.i64(0));
    }
    if (current > sqlite_schema_latest())
      return fail(ErrorCode::kUnsupported,
                  "database " + path_ + " has schema version " + std::to_string(current) +
                      ", newer than this rasid knows (" + std::to_string(sqlite_schema_latest()) + ")");
    for (const Migration& m : kMigrations) {
      if (m.version <= current) continue;
      if (auto s = exec(writer_, m.sql); !s)
        return fail(ErrorCode::kIo, "migration " + std::to_string(m.version) + ": " + s.error().message);
      Stmt st(writer_, "INSERT INTO schema_migrations (version, applied_us) VALUES (?, ?)");
      st.bind(1, static_cast<std::int64_t>(m.version));
      st.bind(2, now_micros());
      if (auto s = run(writer_, st, "record migration"); !s) return s;
    }
    return tx.commit();
  }

  Result<std::vector<Authority>> read_authorities(const char* sql, std::vector<Value> values) {
    Reader r(*this);
    if (!r) return fail(r.error());
    Stmt st(r.db(), sql);
    if (!st.prepared()) return fail(sqlite_error(r.db(), "read authorities"));
    st.bind_all(values);
    std::vector<Authority> out;
    int rc;
    while ((rc = st.step()) == SQLITE_ROW) out.push_back({st.i64(0), st.text(1), st.text(2), st.i64(3)});
    if (rc != SQLITE_DONE) return fail(sqlite_error(r.db(), "read authorities"));
    return out;
  }

  Result<std::vector<TokenRecord>> read_tokens(const std::string& tail, std::vector<Value> values) {
    Reader r(*this);
    if (!r) return fail(r.error());
    Stmt st(r.db(),
            "SELECT id, lookup, authority_id, role, salt, hash, created_us, expires_us, revoked_us, "
            "note FROM tokens" + tail);
    if (!st.prepared()) return fail(sqlite_error(r.db(), "read tokens"));
    st.bind_all(values);
    std::vector<TokenRecord> out;
    int rc;
    while ((rc = st.step()) == SQLITE_ROW) {
      TokenRecord t;
      t.id = st.i64(0);
      t.lookup = st.text(1);
      t.authority_id = st.i64(2);
      auto role = parse_role(st.text(3));
      if (!role) return fail(ErrorCode::kInternal, "token " + t.lookup + " has an unknown role");
      t.role = *role;
      t.salt = st.text(4);
      t.hash = st.text(5);
      t.created = st.i64(6);
      t.expires = st.opt(7);
      t.revoked = st.opt(8);
      t.note = st.text(9);
      out.push_back(std::move(t));
    }
    if (rc != SQLITE_DONE) return fail(sqlite_error(r.db(), "read tokens"));
    return out;
  }

  static Where alert_where(const AlertFilter& f) {
    Where w;
    if (f.authority_ids) w.add_in("authority_id", *f.authority_ids);
    if (f.from) {
      w.add("event_time_us >= ?");
      w.values.emplace_back(*f.from);
    }
    if (f.to) {
      w.add("event_time_us < ?");
      w.values.emplace_back(*f.to);
    }
    w.add_in("level", f.levels);
    w.add_in("rule_id", f.rule_ids);
    if (f.tlp_exempt_authority && !f.tlps.empty()) {
      std::string cond = "(authority_id = ? OR tlp IN (";
      w.values.emplace_back(*f.tlp_exempt_authority);
      for (std::size_t i = 0; i < f.tlps.size(); ++i) {
        cond += i ? ",?" : "?";
        w.values.emplace_back(f.tlps[i]);
      }
      w.add(cond + "))");
    } else {
      w.add_in("tlp", f.tlps);
    }
    if (!f.tags.empty()) {
      std::string cond = "EXISTS (SELECT 1 FROM alert_tags t WHERE t.alert_seq = alerts.seq AND t.tag IN (";
      for (std::size_t i = 0; i < f.tags.size(); ++i) {
        cond += i ? ",?" : "?";
        w.values.emplace_back(f.tags[i]);
      }
      w.add(cond + "))");
    }
    return w;
  }

  static Status load_tags(sqlite3* db, std::vector<StoredAlert>& alerts) {
    if (alerts.empty()) return ok();
    std::string sql = "SELECT alert_seq, tag FROM alert_tags WHERE alert_seq IN (";
    for (std::size_t i = 0; i < alerts.size(); ++i) sql += i ? ",?" : "?";
    sql += ") ORDER BY alert_seq, pos";
    Stmt st(db, sql);
    if (!st.prepared()) return fail(sqlite_error(db, "load tags"));
    for (std::size_t i = 0; i < alerts.size(); ++i) st.bind(static_cast<int>(i + 1), alerts[i].seq);
    // alerts are in ascending seq order, as are the rows
    std::size_t at = 0;
    int rc;
    while ((rc = st.step()) == SQLITE_ROW) {
      std::int64_t seq = st.i64(0);
      while (at < alerts.size() && alerts[at].seq < seq) ++at;
      if (at < alerts.size() && alerts[at].seq == seq) alerts[at].alert.tags.push_back(st.text(1));
    }
    if (rc != SQLITE_DONE) return fail(sqlite_error(db, "load tags"));
    return ok();
  }

  static Result<std::vector<Detection>> read_detections(sqlite3* db, const Where& w, std::size_t limit) {
    Stmt st(db,
            "SELECT id, authority_id, rule_id, rule_title, level, host, tlp, first_seen_us, "
            "last_seen_us, alert_count, facts FROM detections" + w.sql + " ORDER BY id LIMIT " +
                std::to_string(limit));
    if (!st.prepared()) return fail(sqlite_error(db, "read detections"));
    st.bind_all(w.values);
    std::vector<Detection> out;
    int rc;
    while ((rc = st.step()) == SQLITE_ROW) {
      out.push_back({st.i64(0), st.i64(1), st.text(2), st.text(3), st.text(4), st.text(5), st.text(6),
                     st.i64(7), st.i64(8), st.i64(9), st.text(10)});
    }
    if (rc != SQLITE_DONE) return fail(sqlite_error(db, "read detections"));
    return out;
  }

  static Incident incident_row(const Stmt& st) {
    Incident i;
    i.id = st.i64(0);
    i.title = st.text(1);
    i.status = parse_incident_status(st.text(2)).value_or(IncidentStatus::kNew);
    i.severity = st.text(3);
    i.owner = st.text(4);
    i.tlp = st.text(5);
    i.created = st.i64(6);
    i.updated = st.i64(7);
    i.key = st.text(8);
    return i;
  }

  static Result<Incident> read_incident(sqlite3* db, std::int64_t id) {
    Stmt st(db, "SELECT " + std::string(kIncidentColumns) + " FROM incidents WHERE id = ?");
    if (!st.prepared()) return fail(sqlite_error(db, "get incident"));
    st.bind(1, id);
    int rc = st.step();
    if (rc == SQLITE_DONE) return fail(ErrorCode::kNotFound, "no incident with id " + std::to_string(id));
    if (rc != SQLITE_ROW) return fail(sqlite_error(db, "get incident"));
    return incident_row(st);
  }

  Status add_event(std::int64_t incident_id, Micros at, const std::string& actor, std::string_view kind,
                   std::string_view detail) {
    Stmt st(writer_,
            "INSERT INTO incident_events (incident_id, at_us, actor, kind, detail) VALUES (?, ?, ?, ?, ?)");
    st.bind(1, incident_id);
    st.bind(2, at);
    st.bind(3, std::string_view(actor));
    st.bind(4, kind);
    st.bind(5, detail);
    return run(writer_, st, "add incident event");
  }

  std::string path_;
  std::mutex write_mu_;
  sqlite3* writer_ = nullptr;
  std::mutex pool_mu_;
  std::vector<sqlite3*> readers_;
};

}  // namespace

int sqlite_schema_latest() { return kMigrations[std::size(kMigrations) - 1].version; }

Result<std::unique_ptr<Store>> open_sqlite_store(const std::string& path) {
  auto store = std::make_unique<SqliteStore>(path);
  if (auto s = store->open(); !s) return fail(s.error());
  return std::unique_ptr<Store>(std::move(store));
}

}  // namespace rasid::store
