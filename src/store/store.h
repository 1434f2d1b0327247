#pragma once
// Store: the hub's persistent state behind one interface (authorities, tokens, alerts,
// detections, incidents with their timeline, audit log), with two implementations: SQLite
// (sqlite_store.h, the default, one file in the data folder) and PostgreSQL
// (postgres_store.h, several hub nodes sharing one database). The same test suite
// (tests/store/store_suite.h) runs against both, so the semantics below are the contract,
// not a description of one engine.
//
// Portable conventions (every implementation keeps them):
// - Time is `Micros`: int64 microseconds since 1970-01-01T00:00:00Z (UTC); BIGINT columns.
// - Ids are int64 assigned by the store (INTEGER PRIMARY KEY / BIGSERIAL), > 0, increasing in
//   insertion order. Alert `seq` is that id for alerts: the order of pagination.
// - Text is UTF-8; JSON documents (the alert body) are stored as text, never queried inside
//   by SQL (filters use the extracted columns), so no engine-specific JSON functions.
// - Every write method is one transaction: it happens completely or not at all. A method
//   that returns success has committed durably (it survives kill -9 of the process; with
//   SQLite synchronous=FULL also a power loss, see src/store/README.md).
// - Implementations are safe to call from several threads at once.
// - Errors come back as Result (ErrorCode::kNotFound for a missing object,
//   kInvalidArgument for a constraint the caller broke such as a duplicate name, kIo for
//   the database failing); no method throws.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace rasid::store {

using Micros = std::int64_t;  // microseconds since the Unix epoch, UTC

// The current time as Micros (system clock).
[[nodiscard]] Micros now_micros();

// ---- authorities -------------------------------------------------------------------------

// The sectors an authority may belong to: NIS2 (Directive (EU) 2022/2555) Annex I (sectors of
// high criticality) and Annex II (other critical sectors), plus `government` for ministries
// and `other`. Fixed so reports can compare sectors across periods.
[[nodiscard]] std::span<const std::string_view> sectors();
[[nodiscard]] bool is_sector(std::string_view name);

struct Authority {
  std::int64_t id = 0;
  std::string name;    // unique, [A-Za-z0-9._-]{1,64} (checked by the caller, see hub)
  std::string sector;  // one of sectors()
  Micros created = 0;
};

// ---- tokens ------------------------------------------------------------------------------

enum class Role { kSensor, kAnalyst, kCoordinator, kAdmin };
[[nodiscard]] std::string_view to_string(Role role);
[[nodiscard]] std::optional<Role> parse_role(std::string_view text);

// A bearer token as stored: never the token itself, only its public lookup id and a salted
// hash of its secret part (hub/token.h makes and checks them).
struct TokenRecord {
  std::int64_t id = 0;
  std::string lookup;        // public, unique: the token's id part, used to find the record
  std::int64_t authority_id = 0;
  Role role = Role::kSensor;
  std::string salt;          // raw bytes
  std::string hash;          // raw bytes
  Micros created = 0;
  std::optional<Micros> expires;  // no longer valid at or after this time
  std::optional<Micros> revoked;  // when it was revoked
  std::string note;
};

// ---- alerts ------------------------------------------------------------------------------

// An alert as ingested from an authority (docs/alert-format.md) with the columns the hub
// filters on extracted from it. `body` is the whole alert object as JSON text.
struct NewAlert {
  std::string alert_id;                // sensor's id, or a content hash (hub/alert_batch.h)
  std::optional<Micros> event_time;    // the alert's `timestamp`; none if the event had none
  std::string rule_id;
  std::string rule_title;
  std::string level;                   // informational, low, medium, high, critical (CHECKed)
  std::vector<std::string> tags;       // in the alert's order
  std::string tlp;                     // clear, green, amber, amber+strict, red (CHECKed)
  std::string host;                    // the event's host name, "" if unknown
  std::string body;                    // JSON object text
};

struct StoredAlert {
  std::int64_t seq = 0;                // store order: pagination key
  std::int64_t authority_id = 0;
  Micros received = 0;                 // when the batch was committed (ingestion time)
  NewAlert alert;
};

struct InsertResult {
  std::int64_t accepted = 0;    // newly stored
  std::int64_t duplicates = 0;  // already stored (same authority and alert id), or repeated in the batch
  std::vector<std::size_t> accepted_index;  // positions in the batch of the newly stored alerts
};

// Filters of alert queries; every set member narrows the result (AND), lists are OR-ed.
struct AlertFilter {
  // nullopt: every authority. A list (possibly empty = nothing) restricts to those: the hub
  // puts the caller's own authority here for analysts and sensors.
  std::optional<std::vector<std::int64_t>> authority_ids;
  std::optional<Micros> from;           // event_time >= from (alerts without time excluded)
  std::optional<Micros> to;             // event_time < to
  std::vector<std::string> levels;      // any of
  std::vector<std::string> rule_ids;    // any of
  std::vector<std::string> tags;        // has any of
  std::vector<std::string> tlps;        // any of (TLP enforcement, hub/tlp.h store_levels)
  // Alerts of this authority pass whatever their TLP (the caller's own authority, which may
  // read every level of its own alerts); the `tlps` list then applies to the others only.
  std::optional<std::int64_t> tlp_exempt_authority;
};

// Keyset pagination: items with seq > after, ascending by seq, at most `limit`.
struct PageRequest {
  std::int64_t after = 0;
  std::size_t limit = 100;  // 1..kMaxPageSize (larger values are clamped)
};
inline constexpr std::size_t kMaxPageSize = 1000;  // bounds memory per request

template <typename T>
struct Page {
  std::vector<T> items;
  std::optional<std::int64_t> next;  // pass as PageRequest::after for the next page; none on the last page
};

// ---- detections and incidents ------------------------------------------------------------

// Alerts of one rule at one authority on one host within a window (grouping is the hub's
// job; the store keeps the result).
struct Detection {
  std::int64_t id = 0;
  std::int64_t authority_id = 0;
  std::string rule_id;
  std::string rule_title;
  std::string level;
  std::string host;
  std::string tlp;
  Micros first_seen = 0;
  Micros last_seen = 0;
  std::int64_t alert_count = 0;
  // What national correlation needs to know of it, as a JSON object (tags, indicator, hosts,
  // users, ips: hub/ingest_correlation.h); "" when none. Stored as text, never queried in SQL.
  std::string facts;
};

struct DetectionFilter {
  std::optional<std::vector<std::int64_t>> authority_ids;
  std::optional<Micros> from;  // last_seen >= from
  std::optional<Micros> to;    // first_seen < to
  std::vector<std::string> rule_ids;
  std::vector<std::string> levels;
};

enum class IncidentStatus { kNew, kTriage, kContained, kResolved, kFalsePositive };
[[nodiscard]] std::string_view to_string(IncidentStatus status);
[[nodiscard]] std::optional<IncidentStatus> parse_incident_status(std::string_view text);

struct Incident {
  std::int64_t id = 0;
  std::string title;
  IncidentStatus status = IncidentStatus::kNew;
  std::string severity;  // a level name
  std::string owner;     // free text (a person or team), "" when unassigned
  std::string tlp;
  Micros created = 0;
  Micros updated = 0;
  std::string key;  // the national correlation key that opened it ("rule:ID", …), "" if none
};

// One change of an incident, in order: the timeline.
struct IncidentEvent {
  std::int64_t id = 0;
  std::int64_t incident_id = 0;
  Micros at = 0;
  std::string actor;   // who made the change (token lookup id or "system")
  std::string kind;    // created, status, severity, owner, note, link
  std::string detail;  // new value, note text, or linked detection id
};

// Changes to apply to an incident; each set member adds one timeline event.
struct IncidentChange {
  std::optional<IncidentStatus> status;
  std::optional<std::string> severity;
  std::optional<std::string> owner;
  std::optional<std::string> note;
};

struct IncidentFilter {
  std::vector<IncidentStatus> statuses;  // any of; empty = all
  std::optional<std::string> key;        // only incidents opened for this correlation key
};

// ---- audit log ---------------------------------------------------------------------------

// One recorded action: every write and every read of another authority's data. Append-only:
// the interface has no way to change or delete an entry, and implementations refuse it in
// the database too (triggers / rules).
struct AuditEntry {
  std::int64_t seq = 0;
  Micros at = 0;
  std::string actor;                // token lookup id, or "admin-cli"
  std::int64_t actor_authority = 0; // 0 when none
  std::string action;               // e.g. "alerts.ingest", "alerts.read", "token.create"
  std::string target;               // what it acted on (authority name, object id)
  std::string detail;               // short free text (counts, filters)
};

// ---- STIX objects (the hub's TAXII 2.1 collections, hub/taxii.h) ---------------------------

// One version of a STIX object in one collection. The store keeps every version; the hub
// decides what each viewer may read (hub/tlp.h) from the sharing columns.
struct StixObject {
  std::int64_t seq = 0;                // store order: pagination key, same order as date_added
  std::string collection;              // the collection's id (a UUID, hub/taxii.h)
  std::string object_id;               // "indicator--<uuid>"
  std::string type;                    // "indicator"
  Micros version = 0;                  // `modified`, else `created`, else date_added
  std::string spec_version;            // "2.1" ("2.0" objects are kept as posted)
  Micros date_added = 0;               // assigned by the store: strictly increasing
  std::string tlp;                     // clear, green, amber, amber+strict, red (CHECKed)
  std::int64_t source_authority = 0;   // the authority that shared it; 0: the hub itself
  std::vector<std::int64_t> recipients;  // authorities it names (AMBER, RED)
  bool coordinators_named = false;     // the coordinators are named recipients
  std::string body;                    // the object's JSON text
};

struct StixInsertResult {
  std::vector<bool> added;             // per input: stored (false: that version already was)
  std::vector<StixObject> stored;      // the stored rows (seq, date_added set), in input order; duplicates hold the existing row
};

// Which versions of each object a query returns (TAXII match[version]): all of them, or the
// union of the first, the last and the listed ones. Default: the last.
struct VersionMatch {
  bool all = false;
  bool first = false;
  bool last = true;
  std::vector<Micros> listed;
};

struct StixFilter {
  std::string collection;                  // required
  std::optional<Micros> added_after;       // date_added > added_after
  std::vector<std::string> ids;            // any of
  std::vector<std::string> types;          // any of
  // Any of; first/last are taken within them. Empty: each object in the latest spec version
  // it has (TAXII 2.1 section 3.4.2), first/last within that.
  std::vector<std::string> spec_versions;
  VersionMatch versions;
};

// A TAXII status resource (the answer to a POST of objects), kept for GET .../status/ID/.
struct TaxiiStatus {
  std::string id;          // UUID
  std::string owner;       // token lookup id of the poster
  std::int64_t authority_id = 0;
  Micros created = 0;
  std::string body;        // the status resource as JSON text
};

// ---- the interface -----------------------------------------------------------------------

class Store {
 public:
  virtual ~Store() = default;

  // The schema version this database is at after migration (see migrations in README).
  [[nodiscard]] virtual Result<int> schema_version() = 0;

  // Authorities. add: kInvalidArgument if the name exists.
  [[nodiscard]] virtual Result<Authority> add_authority(const std::string& name,
                                                        const std::string& sector) = 0;
  [[nodiscard]] virtual Result<std::vector<Authority>> list_authorities() = 0;
  [[nodiscard]] virtual Result<Authority> find_authority(std::string_view name) = 0;
  [[nodiscard]] virtual Result<Authority> get_authority(std::int64_t id) = 0;

  // Tokens. add: id and created are assigned (the record's values are ignored);
  // kInvalidArgument if the lookup id exists or the authority does not.
  [[nodiscard]] virtual Result<TokenRecord> add_token(const TokenRecord& token) = 0;
  [[nodiscard]] virtual Result<TokenRecord> find_token(std::string_view lookup) = 0;
  [[nodiscard]] virtual Result<std::vector<TokenRecord>> list_tokens() = 0;
  // Sets `revoked` (idempotent: a revoked token keeps its first revocation time).
  [[nodiscard]] virtual Status revoke_token(std::string_view lookup, Micros at) = 0;

  // Alerts. Inserts the batch in one transaction, idempotent on (authority, alert_id):
  // an alert already stored, or repeated within the batch, counts as a duplicate and the
  // stored copy is kept. On error (e.g. an item breaking the level/tlp CHECK constraint,
  // kInvalidArgument) nothing of the batch is stored. `received` is the time
  // recorded for the new alerts.
  [[nodiscard]] virtual Result<InsertResult> insert_alerts(std::int64_t authority_id,
                                                           std::span<const NewAlert> alerts,
                                                           Micros received) = 0;
  [[nodiscard]] virtual Result<Page<StoredAlert>> query_alerts(const AlertFilter& filter,
                                                               const PageRequest& page) = 0;
  [[nodiscard]] virtual Result<std::int64_t> count_alerts(const AlertFilter& filter) = 0;
  [[nodiscard]] virtual Result<StoredAlert> get_alert(std::int64_t authority_id,
                                                      std::string_view alert_id) = 0;

  // Detections. add: id assigned. update: sets last_seen and alert_count.
  [[nodiscard]] virtual Result<Detection> add_detection(const Detection& detection) = 0;
  [[nodiscard]] virtual Status update_detection(std::int64_t id, Micros last_seen,
                                                std::int64_t alert_count) = 0;
  [[nodiscard]] virtual Result<Detection> get_detection(std::int64_t id) = 0;
  // Many detections in one transaction (the hub's ingest path): a row with id 0 is added, any
  // other updates last_seen and alert_count of that id. Returns the ids in order. All or
  // nothing: kNotFound for an update of a missing id.
  [[nodiscard]] virtual Result<std::vector<std::int64_t>> write_detections(
      std::span<const Detection> detections) = 0;
  [[nodiscard]] virtual Result<Page<Detection>> query_detections(const DetectionFilter& filter,
                                                                 const PageRequest& page) = 0;

  // Incidents. create: id, created and updated assigned; a `created` timeline event is added
  // in the same transaction. update: applies the change and its timeline events together.
  // link: kNotFound if either side is missing; linking twice is a no-op (no event).
  [[nodiscard]] virtual Result<Incident> create_incident(const Incident& incident,
                                                         const std::string& actor) = 0;
  [[nodiscard]] virtual Result<Incident> update_incident(std::int64_t id,
                                                         const IncidentChange& change,
                                                         const std::string& actor) = 0;
  [[nodiscard]] virtual Status link_detection(std::int64_t incident_id,
                                              std::int64_t detection_id,
                                              const std::string& actor) = 0;
  [[nodiscard]] virtual Result<Incident> get_incident(std::int64_t id) = 0;
  [[nodiscard]] virtual Result<Page<Incident>> query_incidents(const IncidentFilter& filter,
                                                               const PageRequest& page) = 0;
  [[nodiscard]] virtual Result<std::vector<IncidentEvent>> incident_timeline(
      std::int64_t incident_id) = 0;
  [[nodiscard]] virtual Result<std::vector<Detection>> incident_detections(
      std::int64_t incident_id) = 0;

  // STIX objects. insert: all in one transaction; a version already stored (same collection,
  // id and version) is not stored again (added[i] false). date_added is assigned strictly
  // increasing from max(now, last date_added + 1); seq and date_added therefore agree.
  [[nodiscard]] virtual Result<StixInsertResult> insert_stix_objects(std::span<const StixObject> objects) = 0;
  // Rows of one collection matching the filter, ascending by seq, seq > page.after.
  [[nodiscard]] virtual Result<Page<StixObject>> query_stix_objects(const StixFilter& filter,
                                                                    const PageRequest& page) = 0;
  // Deletes the selected versions (filter.ids must name exactly one id); returns how many rows.
  [[nodiscard]] virtual Result<std::int64_t> delete_stix_objects(const StixFilter& filter) = 0;
  // TAXII status resources. put: kInvalidArgument if the id exists.
  [[nodiscard]] virtual Status put_taxii_status(const TaxiiStatus& status) = 0;
  [[nodiscard]] virtual Result<TaxiiStatus> get_taxii_status(std::string_view id) = 0;
  // A named server secret (e.g. the key that signs TAXII `next` tokens), shared by every hub
  // node on one database: stores `candidate` if the name has none yet, returns the stored value.
  [[nodiscard]] virtual Result<std::string> hub_secret(std::string_view name, std::string_view candidate) = 0;

  // Audit log: append (seq and, when 0, `at` assigned) and read in order.
  [[nodiscard]] virtual Result<AuditEntry> append_audit(const AuditEntry& entry) = 0;
  [[nodiscard]] virtual Result<Page<AuditEntry>> read_audit(const PageRequest& page) = 0;
};

// Opens (creating and migrating as needed) the store named by `spec`:
//   "" or "sqlite"           SQLite file hub.db in data_dir
//   "sqlite:PATH"            SQLite file PATH
//   "postgresql://..."       PostgreSQL (libpqxx connection URI)
[[nodiscard]] Result<std::unique_ptr<Store>> open_store(std::string_view spec,
                                                        const std::string& data_dir);

}  // namespace rasid::store
