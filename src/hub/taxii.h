#pragma once
// Taxii: the hub as a TAXII 2.1 server (OASIS TAXII 2.1, sections 3-5) over the store's STIX
// objects (store.h, schema step 3). docs/taxii.md is the user's description with curl examples.
//
// Layout: discovery /taxii2/, one API root /taxii2/api/, its collections:
//   indicators   the national feed: coordinators write, every role but admin reads
//   sightings    made by the hub from indicator hits (one per indicator, authority and UTC day)
//   reports      STIX reports: coordinators write
//   authority-N  one per authority: what it shares; its analysts and coordinators write
// Collection ids are UUIDv5 of their alias in rasid's namespace, so they never change.
//
// Every object is shared under TLP 2.0 (hub/tlp.h): its object_marking_refs give the level
// (none = AMBER), the poster's authority is the source, and `x_rasid_recipients` (authority
// names, or "coordinators") names the recipients of AMBER and RED. may_read() decides, per
// object and per request, what a caller sees, on every read path (objects, object, manifest,
// versions); a collection's can_read/can_write only decide whether the endpoint is open. A
// `next` token carries the position only, signed with a hub secret for the caller and the
// collection: presented by anyone else, or for another collection, it is refused (400); the
// objects it leads to are filtered by the caller's rights of the moment.
//
// Versions: the object's `modified`, else `created`; objects without either (SCOs) have one
// version, shown as its date_added. Version selection (match[version]) takes place before
// TLP filtering: when the last version of an object is not readable by the caller, the
// caller does not see the object at all (fail closed), rather than an older version.

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "hub/tlp.h"
#include "hub/token.h"
#include "store/store.h"

namespace httplib {
struct Request;
struct Response;
}  // namespace httplib

namespace rasid::hub {

inline constexpr std::string_view kTaxiiMediaType = "application/taxii+json;version=2.1";

enum class CollectionKind { kIndicators, kSightings, kReports, kAuthority };

struct Collection {
  std::string id;     // UUID
  std::string alias;  // indicators, sightings, reports, authority-<name>
  std::string title;
  std::string description;
  CollectionKind kind = CollectionKind::kIndicators;
  std::int64_t authority_id = 0;  // kAuthority: whose
};

// The hub's collections for these authorities, in the order above.
[[nodiscard]] std::vector<Collection> taxii_collections(const std::vector<store::Authority>& authorities);
[[nodiscard]] bool can_read(const Viewer& viewer, const Collection& collection);
[[nodiscard]] bool can_write(const Viewer& viewer, const Collection& collection);

// STIX identity ids: of an authority (by name) and of the hub itself.
[[nodiscard]] std::string authority_identity_id(std::string_view authority_name);
[[nodiscard]] std::string hub_identity_id();

// The sharing of a stored object (the columns may_read() needs).
[[nodiscard]] Sharing sharing_of(const store::StixObject& object);

class Taxii {
 public:
  // `next_key`: the secret that signs `next` tokens (Store::hub_secret).
  Taxii(store::Store& store, std::string next_key);
  ~Taxii();
  Taxii(const Taxii&) = delete;
  Taxii& operator=(const Taxii&) = delete;

  // The endpoints; the caller is authenticated (Bearer or Basic) by the server.
  void discovery(const httplib::Request& req, httplib::Response& res, const Caller& caller);
  void api_root(const httplib::Request& req, httplib::Response& res, const Caller& caller);
  void status(const httplib::Request& req, httplib::Response& res, const Caller& caller);
  void collections(const httplib::Request& req, httplib::Response& res, const Caller& caller);
  void collection(const httplib::Request& req, httplib::Response& res, const Caller& caller);
  void manifest(const httplib::Request& req, httplib::Response& res, const Caller& caller);
  void get_objects(const httplib::Request& req, httplib::Response& res, const Caller& caller);
  void post_objects(const httplib::Request& req, httplib::Response& res, const Caller& caller);
  void get_object(const httplib::Request& req, httplib::Response& res, const Caller& caller);
  void delete_object(const httplib::Request& req, httplib::Response& res, const Caller& caller);
  void versions(const httplib::Request& req, httplib::Response& res, const Caller& caller);

  // Sightings from a committed alert batch of `authority`: alerts whose `indicator.id` is a
  // STIX indicator id, counted per indicator and UTC day of the event (or of `received` for
  // alerts without a time); each changed sighting gets a new version. `accepted` are the
  // positions of the newly stored alerts (duplicates never count twice).
  [[nodiscard]] Status add_sightings(const store::Authority& authority, std::span<const store::NewAlert> alerts,
                                     const std::vector<std::size_t>& accepted, store::Micros received);

  // STIX reports of national incidents (docs/incidents.md): one `report` per incident in the
  // `reports` collection (object_refs: the involved authorities' identities, and the
  // indicator for an indicator incident), a new version each time this is called for it;
  // shared at the incident's TLP with the involved authorities and the coordinators.
  [[nodiscard]] Status incident_reports(const std::vector<std::int64_t>& incidents);

  // Publishes the identity objects of the hub and of every authority (idempotent).
  [[nodiscard]] Status publish_identities();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// A TAXII error object {"title", "description", "http_status"} as the response.
void send_taxii_error(httplib::Response& res, int status, std::string_view title, std::string_view description = {});

}  // namespace rasid::hub
