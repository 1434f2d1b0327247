#pragma once
// `rasid hunt --intel taxii+https://HUB/taxii2/API/collections/ID/`: pulls a TAXII 2.1
// collection's objects into a local cache and hands them to the hunt as one STIX bundle, the
// same as a bundle file given to --intel (docs/intel.md, "Pulling from a TAXII 2.1 collection").
//
// One pull walks GET {collection}/objects/ pages (`limit`, then `next` while `more` is true)
// with `added_after` = the X-TAXII-Date-Added-Last of the last complete pull, and merges the
// objects into the cache: per id, the version with the newest `modified` stays (revoked
// versions too: the loader skips revoked indicators). The cache of a collection is two files
// in the cache folder, named by a hash of the collection URL:
//
//   <hash>.bundle.json   a STIX 2.1 bundle, one object per line (`rasid hunt --intel` and
//                        `rasid intel check` read it as it is)
//   <hash>.state.json    {"url", "added_last", "pulled_at", "objects"}
//
// Both are written atomically (temporary file, fsync, rename), the bundle first: a pull
// interrupted at any point leaves the previous cache or the new one, and a state older than
// its bundle only makes the next pull ask for objects it already has (merging is idempotent).
// The files are created 0600 in a 0700 folder: they hold what the token may read (TLP:AMBER
// or RED objects included).
//
// The envelope parser (parse_envelope) reads network input; fuzz/fuzz_taxii_envelope.cc
// fuzzes it together with the merge. Single-threaded; nothing here prints.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/result.h"

namespace rasid::cli {

// "taxii+https://" or "taxii+http://" starts a TAXII collection URL given to --intel.
[[nodiscard]] bool is_taxii_url(std::string_view intel_arg);

// A parsed collection URL: "taxii+https://hub:8443/taxii2/api/collections/ID/".
struct TaxiiUrl {
  std::string given;       // as written after --intel (the source name of its indicators)
  std::string scheme;      // "https" or "http"
  std::string host;        // without brackets for IPv6
  std::string origin;      // "https://hub:8443"
  std::string collection;  // "/taxii2/api/collections/ID/" (always ends with '/')
  // "https://hub:8443/taxii2/api/collections/ID/": names the collection in messages and keys
  // the cache.
  [[nodiscard]] std::string url() const { return origin + collection; }
};
// Errors (kInvalidArgument) name the argument: not taxii+http(s), no host, a path that does
// not end in /collections/ID/ (a trailing "objects/" is accepted and dropped).
[[nodiscard]] Result<TaxiiUrl> parse_taxii_url(std::string_view intel_arg);

// One page of GET .../objects/ (TAXII 2.1 section 3.7, "envelope").
struct Envelope {
  bool more = false;
  std::string next;                     // "" when absent
  std::vector<nlohmann::json> objects;  // each an object with string "type" and "id"
};
// Parses a response body. Errors (kParse) start with `url` and say what is wrong: not JSON
// (with the byte offset), not an object, "more" not a boolean, "next" not a string,
// "objects" not a list, objects[i] not an object or without a string "type"/"id".
[[nodiscard]] Result<Envelope> parse_envelope(std::string_view body, std::string_view url);

// The error object of a TAXII error answer ({"title", "description", ...}): "title:
// description", "title" or "" when the body is no such object.
[[nodiscard]] std::string describe_taxii_error(std::string_view body);

// True when `text` is a STIX timestamp ("YYYY-MM-DDTHH:MM:SS[.fraction]Z", at most 9
// fraction digits after trailing zeros are dropped).
[[nodiscard]] bool is_stix_time(std::string_view text);
// Orders two STIX timestamps ("YYYY-MM-DDTHH:MM:SS[.fraction]Z", any number of fraction
// digits): <0, 0, >0. A text that is no such timestamp sorts before every timestamp.
[[nodiscard]] int compare_stix_time(std::string_view a, std::string_view b);

// What a merge did.
struct MergeCounts {
  std::uint64_t added = 0;      // ids the cache did not have
  std::uint64_t updated = 0;    // a newer version replaced the cached one
  std::uint64_t unchanged = 0;  // the same or an older version than the cached one
};

// The cached objects of one collection, in the order their ids were first seen.
class TaxiiCache {
 public:
  // Merges one object: a new id is appended; a known id is replaced when the object's
  // `modified` (else `created`) is newer than the cached version's, or equal (the server's
  // copy wins), or when neither has a timestamp (objects without versions: the latest added
  // wins). Precondition: `object` has a string "id" (parse_envelope checks it).
  void merge(nlohmann::json object, MergeCounts& counts);

  [[nodiscard]] std::size_t size() const { return objects_.size(); }
  [[nodiscard]] const std::vector<nlohmann::json>& objects() const { return objects_; }

  // The cache as a STIX 2.1 bundle, one object per line (a line number in a loader message
  // points at the object in the cache file). `bundle_id` is "bundle--<uuid>".
  [[nodiscard]] std::string bundle_text(std::string_view bundle_id) const;
  // Reads a bundle written by bundle_text (or any STIX bundle): its objects with a string id
  // are merged in order. Errors (kParse) name `file`.
  [[nodiscard]] static Result<TaxiiCache> from_bundle(std::string_view text, std::string_view file);

 private:
  std::vector<nlohmann::json> objects_;
  std::unordered_map<std::string, std::size_t> index_;  // id -> position in objects_
};

// The default cache folder: $XDG_CACHE_HOME/rasid/taxii, else $HOME/.cache/rasid/taxii, else
// "" (no home: the caller must name one).
[[nodiscard]] std::string default_taxii_cache_dir();

// The cache files of a collection URL (TaxiiUrl::url()) in `dir`: the first 16 bytes of the
// URL's SHA-256 in hex, ".bundle.json" / ".state.json".
struct CacheFiles {
  std::string bundle, state;
};
[[nodiscard]] CacheFiles cache_files(std::string_view dir, std::string_view url);

// Writes `text` to `path` atomically: a temporary file in the same folder (mode 0600),
// fsync, rename over `path`, fsync of the folder. Errors (kIo) name the file.
[[nodiscard]] Status write_file_atomic(const std::string& path, std::string_view text);

struct TaxiiOptions {
  std::string token;      // bearer token (the hunt's --token or $RASID_TOKEN)
  std::string ca_file;    // PEM CA bundle for a private hub certificate ("" = system store)
  std::string cache_dir;  // "" = default_taxii_cache_dir()
  std::size_t limit = 1000;  // objects per page asked for (the server may send fewer)
  int connect_timeout_s = 5;
  int read_timeout_s = 60;
};

// The outcome of pull_collection.
struct TaxiiPull {
  std::string source;        // the --intel argument (source name of the indicators)
  std::string url;           // collection URL without "taxii+"
  std::string bundle_text;   // the merged bundle, to give to intel::load_stix_bundle
  std::string cache_file;    // where it is stored
  std::uint64_t received = 0;  // objects in the pages of this pull
  MergeCounts counts;          // of those
  std::uint64_t pages = 0;
  std::uint64_t total = 0;     // objects in the cache after the pull
  // The walk failed (hub unreachable, 5xx, malformed page): the cache, plus the pages read
  // before the failure, was used.
  bool from_cache_only = false;
  std::string warning;  // why (URL and error) when from_cache_only, or a cache problem
  std::string added_after;       // sent with the first page ("" = full pull)
  std::string added_last;        // stored for the next pull
};

// Pulls one collection (`intel_arg` is the --intel argument, "taxii+https://..."), merges
// into and updates the cache, and returns the merged bundle.
//
// - The hub unreachable, a 5xx/429 answer or a malformed page: with a cache, its objects are
//   used (from_cache_only, warning names the URL and the error); objects of pages read before
//   the failure are merged and stored too, but added_last is not advanced (the next pull asks
//   again from the same point). Without a cache: an error.
// - 401, 403, 404, 406 and other 4xx: an error (kInvalidArgument) naming the URL, the status
//   and the server's error title/description, cache or not: the request is wrong or not
//   allowed, and hunting on silently with an old copy would hide it.
// - Plain http only to a loopback host (the token would cross the network in clear), as for
//   --forward.
[[nodiscard]] Result<TaxiiPull> pull_collection(std::string_view intel_arg, const TaxiiOptions& options);

}  // namespace rasid::cli
