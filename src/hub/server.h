#pragma once
// Server: the hub's HTTP(S) API over a Store (docs/hub.md has the routes with curl examples).
//
// Every /api/ route authenticates a bearer token (token.h) and checks the caller's role and
// authority before touching the store; reads are narrowed to what the caller may see in the
// store query itself (an analyst's filter always carries their own authority). Ingest answers
// only after the store committed the batch. /healthz and /metrics need no token and reveal no
// authority's data.
//
// Threads: cpp-httplib's pool serves requests concurrently; the Store is thread-safe. stop()
// may be called from any thread: the listening socket closes, requests in flight finish and
// run() returns.

#include <memory>
#include <string>
#include <string_view>

#include "base/result.h"
#include "report/attack.h"
#include "store/store.h"

namespace rasid::hub {

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 8443;           // 0: any free port (bind() returns it)
  std::string tls_cert;      // PEM files; both set = HTTPS
  std::string tls_key;
  bool insecure_http = false;  // plain HTTP, only allowed on a loopback host
  // ATT&CK data for the dashboard's tactic panels (dashboard.h); must outlive the server.
  const report::AttackMatrix* attack = nullptr;
};

// True for 127.0.0.0/8, ::1 and "localhost".
[[nodiscard]] bool is_loopback(std::string_view host);

// "ADDR:PORT", "[V6ADDR]:PORT" or ":PORT" (127.0.0.1) into host and port.
[[nodiscard]] Result<std::pair<std::string, int>> parse_listen(std::string_view text);

// Refuses contradictory or unsafe options: TLS needs both files; without TLS,
// --insecure-http is required and the host must be loopback.
[[nodiscard]] Status check_options(const ServerOptions& options);

class Server {
 public:
  // Checks the options (TLS files load, plain HTTP only on loopback) and sets up the routes.
  // `store` must outlive the server.
  [[nodiscard]] static Result<std::unique_ptr<Server>> create(const ServerOptions& options,
                                                              store::Store& store);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds the listening socket; returns the port (useful with port 0).
  [[nodiscard]] Result<int> bind();
  // Serves until stop(); returns once in-flight requests are done.
  [[nodiscard]] Status run();
  void stop();

 private:
  struct Impl;
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace rasid::hub
