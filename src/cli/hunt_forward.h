#pragma once
// `rasid hunt --forward URL --token T`: sends the hunt's alerts to a rasid hub
// (POST URL/api/v1/alerts, JSON lines, docs/hub.md) in batches while still writing them to
// the normal output. A batch is retried with exponential backoff (0.5 s doubling up to 30 s,
// with jitter) on connection errors, 429 and 5xx; a 4xx answer (the hub rejected the batch:
// bad token, malformed alert) is not retried. Re-sending is safe: the hub is idempotent by
// alert id (a content hash for hunt's alerts), so an alert sent twice after a lost answer
// is counted as a duplicate, never stored twice.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "alert/alert.h"
#include "base/result.h"

namespace rasid::cli {

struct ForwardOptions {
  std::string url;       // https://hub:8443 (or http:// to a loopback hub)
  std::string token;     // bearer token of a sensor (or $RASID_TOKEN)
  std::string ca_file;   // PEM CA bundle to trust for a private hub certificate
  std::size_t batch_size = 1000;
  int max_attempts = 8;  // per batch: 0.5+1+2+4+8+16+30 s ~ 1 minute of waiting in total
};

struct ForwardStats {
  std::uint64_t sent = 0;        // alerts handed to the forwarder
  std::uint64_t accepted = 0;    // newly stored by the hub
  std::uint64_t duplicates = 0;  // already at the hub
  std::uint64_t failed = 0;      // in batches that were given up or rejected
  std::uint64_t batches = 0;
  std::uint64_t retries = 0;
};

// An AlertWriter that writes to `inner` and forwards every alert. Detections (--group
// detections) are written to `inner` only: the hub ingests alerts.
class ForwardingWriter final : public alert::AlertWriter {
 public:
  [[nodiscard]] static Result<std::unique_ptr<ForwardingWriter>> create(
      ForwardOptions options, std::unique_ptr<alert::AlertWriter> inner);
  ~ForwardingWriter() override;

  void write(const alert::Alert& alert) override;
  void write(const alert::Detection& detection) override;
  void finish() override;  // sends the last batch

  [[nodiscard]] const ForwardStats& stats() const { return stats_; }
  // The last rejection or connection error, "" if none.
  [[nodiscard]] const std::string& last_error() const { return last_error_; }

 private:
  struct Client;
  ForwardingWriter(ForwardOptions options, std::unique_ptr<alert::AlertWriter> inner,
                   std::unique_ptr<Client> client);
  void send();

  ForwardOptions options_;
  std::unique_ptr<alert::AlertWriter> inner_;
  std::unique_ptr<Client> client_;
  std::string pending_;
  std::size_t pending_count_ = 0;
  ForwardStats stats_;
  std::string last_error_;
};

}  // namespace rasid::cli
