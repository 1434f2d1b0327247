// `rasid serve`: run the hub (docs/hub.md). Opens the store, serves the API until SIGTERM or
// SIGINT, then stops accepting, lets requests in flight finish (each ingest commits before it
// answers) and closes the store.

#include <signal.h>

#include <cstdio>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include <fmt/format.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include "cli/commands.h"
#include "hub/server.h"
#include "report/attack.h"
#include "store/store.h"

namespace rasid::cli {
namespace {

struct ServeOptions {
  std::string config_file;
  std::string data_dir;
  std::string listen = "127.0.0.1:8443";
  std::string store_spec;
  std::string tls_cert;
  std::string tls_key;
  bool insecure_http = false;
  std::string attack_file;
};

// Reads `name = value` lines of a serve configuration file into `o`, for the options the command
// line left unset. Errors name the file and line.
Status read_config(const std::string& path, ServeOptions& o, const CLI::App& cmd) {
  std::ifstream in(path);
  if (!in) return fail(ErrorCode::kIo, "cannot open the configuration file", Location{path});
  std::string line;
  int number = 0;
  auto given = [&](const char* option) { return cmd.count(option) > 0; };
  while (std::getline(in, line)) {
    ++number;
    const Location where{path, number};
    auto trim = [](std::string text) {
      const auto first = text.find_first_not_of(" \t\r");
      if (first == std::string::npos) return std::string();
      const auto last = text.find_last_not_of(" \t\r");
      return text.substr(first, last - first + 1);
    };
    std::string text = trim(line);
    if (text.empty() || text[0] == '#' || text == "[serve]") continue;
    const auto eq = text.find('=');
    if (eq == std::string::npos) return fail(ErrorCode::kParse, "expected `name = value`", where);
    const std::string name = trim(text.substr(0, eq));
    std::string value = trim(text.substr(eq + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
      value = value.substr(1, value.size() - 2);
    } else if (const auto hash = value.find(" #"); hash != std::string::npos) {
      value = trim(value.substr(0, hash));
    }
    auto set = [&](const char* option, std::string& field) {
      if (!given(option)) field = value;
    };
    if (name == "data") set("--data", o.data_dir);
    else if (name == "listen") set("--listen", o.listen);
    else if (name == "store") set("--store", o.store_spec);
    else if (name == "tls-cert") set("--tls-cert", o.tls_cert);
    else if (name == "tls-key") set("--tls-key", o.tls_key);
    else if (name == "attack") set("--attack", o.attack_file);
    else if (name == "insecure-http") {
      if (value != "true" && value != "false") return fail(ErrorCode::kParse, "insecure-http must be true or false", where);
      if (!given("--insecure-http")) o.insecure_http = value == "true";
    } else {
      return fail(ErrorCode::kParse,
                  "unknown option '" + name + "' (data, listen, store, tls-cert, tls-key, insecure-http, attack)", where);
    }
  }
  return ok();
}

int run_serve(const ServeOptions& o) {
  // Logs: one line per event, key=value (logfmt), UTC timestamps, on standard error.
  auto logger = spdlog::stderr_logger_mt("rasid");
  logger->set_pattern("ts=%Y-%m-%dT%H:%M:%S.%fZ level=%l %v", spdlog::pattern_time_type::utc);
  spdlog::set_default_logger(logger);

  auto listen = hub::parse_listen(o.listen);
  if (!listen) {
    fmt::print(stderr, "error: --listen: {}\n", listen.error().message);
    return kExitUsage;
  }
  hub::ServerOptions options;
  options.host = listen->first;
  options.port = listen->second;
  options.tls_cert = o.tls_cert;
  options.tls_key = o.tls_key;
  options.insecure_http = o.insecure_http;
  // ATT&CK data for the dashboard; without it the API runs and the dashboard says what is missing.
  std::optional<report::AttackMatrix> attack;
  const std::string attack_file = o.attack_file.empty() ? report::default_attack_file() : o.attack_file;
  if (!attack_file.empty()) {
    auto loaded = report::AttackMatrix::load(attack_file);
    if (!loaded) {
      fmt::print(stderr, "error: --attack: {}\n", loaded.error().to_string());
      return kExitUsage;
    }
    attack = std::move(*loaded);
    options.attack = &*attack;
  } else {
    fmt::print(stderr, "warning: no ATT&CK data (--attack FILE or RASID_ATTACK_DATA): the dashboard's overview "
                       "will say so; the API is not affected\n");
  }

  // Block the stop signals before any thread starts, so only the waiter below receives them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  signal(SIGPIPE, SIG_IGN);  // a client that hangs up must not kill the hub

  // Check the options before touching the store, so a refused configuration creates nothing.
  if (auto s = hub::check_options(options); !s) {
    fmt::print(stderr, "error: {}\n", s.error().message);
    return kExitUsage;
  }
  auto store = store::open_store(o.store_spec, o.data_dir);
  if (!store) {
    fmt::print(stderr, "error: {}\n", store.error().to_string());
    return kExitUsage;
  }
  auto server = hub::Server::create(options, **store);
  if (!server) {
    fmt::print(stderr, "error: {}\n", server.error().message);
    return kExitUsage;
  }
  auto port = (*server)->bind();
  if (!port) {
    fmt::print(stderr, "error: {}\n", port.error().message);
    return kExitUsage;
  }
  spdlog::info("event=listening address={}:{} tls={} store={}", options.host, *port,
               options.tls_cert.empty() ? "off" : "on", o.store_spec.empty() ? "sqlite" : o.store_spec.substr(0, 10));

  std::thread waiter([&] {
    int sig = 0;
    sigwait(&stop_signals, &sig);
    if (sig == 0) return;
    spdlog::info("event=stopping signal={}", sig);
    (*server)->stop();
  });
  auto ran = (*server)->run();
  // run() also returns on its own if listening fails; wake the waiter so it can be joined.
  pthread_kill(waiter.native_handle(), SIGTERM);
  waiter.join();
  server->reset();
  store->reset();
  if (!ran) {
    spdlog::error("event=stopped error={}", ran.error().message);
    return kExitUsage;
  }
  spdlog::info("event=stopped");
  return kExitOk;
}

}  // namespace

std::function<int()> add_serve_command(CLI::App& app) {
  auto options = std::make_shared<ServeOptions>();
  auto* serve = app.add_subcommand("serve", "Run the hub: ingest alerts from authorities, serve the API (docs/hub.md)");
  serve->add_option("--data", options->data_dir, "Data folder (SQLite store hub.db lives here); required here or in --config");
  serve->add_option("--listen", options->listen, "ADDR:PORT to listen on (default 127.0.0.1:8443)");
  serve->add_option("--store", options->store_spec,
                    "Store: sqlite (default, DATA/hub.db), sqlite:PATH or postgresql://...");
  serve->add_option("--tls-cert", options->tls_cert, "TLS certificate chain (PEM)");
  serve->add_option("--tls-key", options->tls_key, "TLS private key (PEM)");
  serve->add_flag("--insecure-http", options->insecure_http,
                  "Serve plain HTTP (refused unless the listen address is loopback)");
  serve->add_option("--config", options->config_file,
                    "Read options from FILE: one `name = value` per line, names as the long options without "
                    "dashes (data, listen, store, tls-cert, tls-key, insecure-http, attack), strings in quotes, "
                    "# comments; options given on the command line win (docs/hub.md, Configuration file)");
  serve->add_option("--attack", options->attack_file,
                    "ATT&CK compact extract for the dashboard (enterprise-attack-compact.json); default "
                    "$RASID_ATTACK_DATA, /usr/share/rasid/attack/, ../shared/data/attack/");
  return [options, serve] {
    if (!options->config_file.empty()) {
      if (auto s = read_config(options->config_file, *options, *serve); !s) {
        fmt::print(stderr, "error: {}\n", s.error().to_string());
        return kExitUsage;
      }
    }
    if (options->data_dir.empty()) {
      fmt::print(stderr, "error: --data is required (on the command line or as `data = ...` in --config)\n");
      return kExitUsage;
    }
    return run_serve(*options);
  };
}

}  // namespace rasid::cli
