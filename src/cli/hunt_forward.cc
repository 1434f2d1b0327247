#include "cli/hunt_forward.h"

#include <chrono>
#include <random>
#include <thread>

#include <fmt/format.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include "hub/server.h"

namespace rasid::cli {

struct ForwardingWriter::Client {
  std::unique_ptr<httplib::Client> http;
  std::string path;  // path prefix of the hub (usually "")
};

namespace {

// Splits "https://host:port/prefix" into "https://host:port" and "/prefix" (no trailing '/'),
// and the host alone.
struct ParsedUrl {
  std::string origin, prefix, host, scheme;
};

Result<ParsedUrl> parse_url(std::string url) {
  ParsedUrl out;
  std::size_t sep = url.find("://");
  if (sep == std::string::npos) return fail(ErrorCode::kInvalidArgument, "--forward: '" + url + "' is not a URL");
  out.scheme = url.substr(0, sep);
  if (out.scheme != "http" && out.scheme != "https")
    return fail(ErrorCode::kInvalidArgument, "--forward: scheme must be https (or http to a loopback hub)");
  std::size_t slash = url.find('/', sep + 3);
  out.origin = url.substr(0, slash);
  out.prefix = slash == std::string::npos ? "" : url.substr(slash);
  while (!out.prefix.empty() && out.prefix.back() == '/') out.prefix.pop_back();
  if (out.prefix.ends_with("/api/v1/alerts")) out.prefix.resize(out.prefix.size() - 14);
  std::string authority = out.origin.substr(sep + 3);
  if (authority.starts_with("[")) {
    out.host = authority.substr(1, authority.find(']') - 1);
  } else {
    out.host = authority.substr(0, authority.find(':'));
  }
  if (out.host.empty()) return fail(ErrorCode::kInvalidArgument, "--forward: no host in '" + url + "'");
  return out;
}

}  // namespace

Result<std::unique_ptr<ForwardingWriter>> ForwardingWriter::create(ForwardOptions options,
                                                                   std::unique_ptr<alert::AlertWriter> inner) {
  auto url = parse_url(options.url);
  if (!url) return fail(url.error());
  if (url->scheme == "http" && !hub::is_loopback(url->host))
    return fail(ErrorCode::kInvalidArgument,
                "--forward: plain http only to a loopback hub; the token would cross the network in clear");
  if (options.token.empty())
    return fail(ErrorCode::kInvalidArgument, "--forward needs --token (or the RASID_TOKEN environment variable)");
  auto client = std::make_unique<Client>();
  client->http = std::make_unique<httplib::Client>(url->origin);
  if (!client->http->is_valid()) return fail(ErrorCode::kInvalidArgument, "--forward: cannot use '" + options.url + "'");
  client->path = url->prefix + "/api/v1/alerts";
  client->http->set_bearer_token_auth(options.token.c_str());
  client->http->set_connection_timeout(5);
  // The hub answers after its durable commit of up to 10,000 alerts: allow for a slow disk.
  client->http->set_read_timeout(120);
  client->http->set_keep_alive(true);
  if (!options.ca_file.empty()) client->http->set_ca_cert_path(options.ca_file.c_str());
  client->http->enable_server_certificate_verification(true);
  return std::unique_ptr<ForwardingWriter>(
      new ForwardingWriter(std::move(options), std::move(inner), std::move(client)));
}

ForwardingWriter::ForwardingWriter(ForwardOptions options, std::unique_ptr<alert::AlertWriter> inner,
                                   std::unique_ptr<Client> client)
    : options_(std::move(options)), inner_(std::move(inner)), client_(std::move(client)) {}

ForwardingWriter::~ForwardingWriter() = default;

void ForwardingWriter::write(const alert::Alert& alert) {
  inner_->write(alert);
  pending_ += alert::to_json(alert);
  pending_ += '\n';
  ++pending_count_;
  ++stats_.sent;
  if (pending_count_ >= options_.batch_size) send();
}

void ForwardingWriter::write(const alert::Detection& detection) { inner_->write(detection); }

void ForwardingWriter::finish() {
  inner_->finish();
  if (pending_count_ > 0) send();
}

void ForwardingWriter::send() {
  ++stats_.batches;
  std::mt19937 jitter(std::random_device{}());
  double backoff = 0.5;
  for (int attempt = 1;; ++attempt) {
    auto res = client_->http->Post(client_->path, pending_, "application/x-ndjson");
    bool retry = false;
    if (!res && res.error() == httplib::Error::SSLServerVerification) {
      // A certificate that does not verify will not verify on the next try either.
      last_error_ = "the hub's certificate does not verify (see --forward-ca)";
      stats_.failed += pending_count_;
      break;
    } else if (!res) {
      last_error_ = "cannot reach " + options_.url + ": " + httplib::to_string(res.error());
      retry = true;
    } else if (res->status == 200) {
      auto answer = nlohmann::json::parse(res->body, nullptr, false);
      if (answer.is_object() && answer.contains("accepted") && answer["accepted"].is_number_unsigned() &&
          answer.contains("duplicates") && answer["duplicates"].is_number_unsigned()) {
        stats_.accepted += answer["accepted"].get<std::uint64_t>();
        stats_.duplicates += answer["duplicates"].get<std::uint64_t>();
      } else {
        last_error_ = "the hub answered 200 without counts";
        stats_.failed += pending_count_;
      }
      break;
    } else if (res->status == 429 || res->status >= 500) {
      last_error_ = fmt::format("hub answered {}: {}", res->status, res->body.substr(0, 200));
      retry = true;
    } else {
      last_error_ = fmt::format("hub rejected the batch ({}): {}", res->status, res->body.substr(0, 500));
      stats_.failed += pending_count_;
      break;
    }
    if (retry && attempt >= options_.max_attempts) {
      stats_.failed += pending_count_;
      break;
    }
    ++stats_.retries;
    // Jitter (50-100 % of the step) keeps many sensors from retrying in lockstep after an outage.
    double wait = backoff * std::uniform_real_distribution<double>(0.5, 1.0)(jitter);
    std::this_thread::sleep_for(std::chrono::duration<double>(wait));
    backoff = std::min(backoff * 2, 30.0);
  }
  pending_.clear();
  pending_count_ = 0;
}

}  // namespace rasid::cli
