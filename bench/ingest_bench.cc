// Hub ingest benchmark (issue 7): alerts/s through `POST /api/v1/alerts` with durable commit,
// batches of 1000 from several concurrent clients, with p50/p99 batch latency, side by side in
// the same run with a raw SQLite batched insert of the same rows (same schema, same
// WAL + synchronous=FULL, one transaction per batch, prepared statements, no HTTP, no JSON).
//
// Usage: ingest_bench [--alerts N] [--batch N] [--clients N] [--dir DIR]
// DIR (default /tmp) is where both databases are made; use the disk the hub would use.
// Alerts are generated from a fixed seed, so every run sends the same bodies.

#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <httplib.h>
#include <spdlog/spdlog.h>

#include "hub/alert_batch.h"
#include "hub/server.h"
#include "hub/token.h"
#include "store/sqlite_store.h"

namespace {

using Clock = std::chrono::steady_clock;

struct Args {
  std::size_t alerts = 200000;
  std::size_t batch = 1000;
  int clients = 4;
  std::string dir = "/tmp";
};

// A realistic alert line (about 700 bytes, like `rasid hunt --format jsonl` writes).
std::string make_alert(std::mt19937_64& rng, std::size_t n) {
  static const char* kLevels[] = {"low", "medium", "high", "critical", "informational"};
  static const char* kRules[] = {"5f4a0f4e-8b3b-4a8e-9d0c-1f0e6a2b3c4d", "a1b2c3d4-0000-4000-8000-000000000001",
                                 "0d894093-71bc-43c3-8c4d-ecfc28dcf5d9", "36475a00-59fc-4f25-9b6b-7c8a4b2f1e0a"};
  std::uint64_t r = rng();
  return fmt::format(
      R"({{"timestamp":"2026-0{}-{:02}T{:02}:{:02}:{:02}.{:06}Z","rule_id":"{}","rule_title":"Encoded PowerShell command line",)"
      R"("level":"{}","tags":["attack.execution","attack.t1059.001"],"rule_author":"rasid project","rule_status":"test",)"
      R"("rule_file":"rules/proc_creation_encoded_powershell.yml","source":{{"file":"logs/ws{}.jsonl","line":{}}},)"
      R"("event":{{"EventID":1,"Channel":"Microsoft-Windows-Sysmon/Operational","Computer":"WS-{:04}.corp.example",)"
      R"("Image":"C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe","CommandLine":"powershell -enc {:016x}{:016x}",)"
      R"("User":"CORP\\user{}","ProcessId":{},"ParentImage":"C:\\Windows\\explorer.exe","UtcTime":"2026-01-01 00:00:00.000"}}}})",
      1 + r % 9, 1 + (r >> 4) % 28, (r >> 9) % 24, (r >> 14) % 60, (r >> 20) % 60, n % 1000000, kRules[(r >> 26) % 4],
      kLevels[(r >> 28) % 5], (r >> 31) % 50, n + 1, (r >> 33) % 5000, rng(), n, (r >> 40) % 900, (r >> 45) % 60000);
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  std::size_t i = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

// The raw baseline: the store's schema, prepared INSERTs of the already-extracted rows.
double raw_sqlite(const std::string& path, const std::vector<std::vector<rasid::store::NewAlert>>& batches) {
  {
    auto made = rasid::store::open_sqlite_store(path);  // only to create the same schema
    if (!made) std::exit(1);
    if (!(*made)->add_authority("bench", "energy")) std::exit(1);
  }
  sqlite3* db = nullptr;
  sqlite3_open(path.c_str(), &db);
  sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;", nullptr, nullptr, nullptr);
  sqlite3_stmt* ins = nullptr;
  sqlite3_stmt* tag = nullptr;
  sqlite3_prepare_v2(db,
                     "INSERT INTO alerts (authority_id, alert_id, received_us, event_time_us, rule_id, rule_title, "
                     "level, tlp, host, body) VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                     "ON CONFLICT (authority_id, alert_id) DO NOTHING",
                     -1, &ins, nullptr);
  sqlite3_prepare_v2(db, "INSERT INTO alert_tags (alert_seq, pos, tag) VALUES (?, ?, ?)", -1, &tag, nullptr);
  auto start = Clock::now();
  for (const auto& batch : batches) {
    sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr);
    for (const auto& a : batch) {
      sqlite3_reset(ins);
      sqlite3_bind_text(ins, 1, a.alert_id.data(), static_cast<int>(a.alert_id.size()), SQLITE_STATIC);
      sqlite3_bind_int64(ins, 2, 0);
      sqlite3_bind_int64(ins, 3, *a.event_time);
      sqlite3_bind_text(ins, 4, a.rule_id.data(), static_cast<int>(a.rule_id.size()), SQLITE_STATIC);
      sqlite3_bind_text(ins, 5, a.rule_title.data(), static_cast<int>(a.rule_title.size()), SQLITE_STATIC);
      sqlite3_bind_text(ins, 6, a.level.data(), static_cast<int>(a.level.size()), SQLITE_STATIC);
      sqlite3_bind_text(ins, 7, a.tlp.data(), static_cast<int>(a.tlp.size()), SQLITE_STATIC);
      sqlite3_bind_text(ins, 8, a.host.data(), static_cast<int>(a.host.size()), SQLITE_STATIC);
      sqlite3_bind_text(ins, 9, a.body.data(), static_cast<int>(a.body.size()), SQLITE_STATIC);
      if (sqlite3_step(ins) != SQLITE_DONE) std::exit(1);
      sqlite3_int64 seq = sqlite3_last_insert_rowid(db);
      for (std::size_t i = 0; i < a.tags.size(); ++i) {
        sqlite3_reset(tag);
        sqlite3_bind_int64(tag, 1, seq);
        sqlite3_bind_int64(tag, 2, static_cast<sqlite3_int64>(i));
        sqlite3_bind_text(tag, 3, a.tags[i].data(), static_cast<int>(a.tags[i].size()), SQLITE_STATIC);
        if (sqlite3_step(tag) != SQLITE_DONE) std::exit(1);
      }
    }
    if (sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK) std::exit(1);
  }
  double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  sqlite3_finalize(ins);
  sqlite3_finalize(tag);
  sqlite3_close(db);
  return seconds;
}

}  // namespace

int main(int argc, char** argv) {
  Args args;
  spdlog::set_level(spdlog::level::warn);  // one log line per request would be measured too
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i];
    if (k == "--alerts") args.alerts = std::stoul(argv[i + 1]);
    else if (k == "--batch") args.batch = std::stoul(argv[i + 1]);
    else if (k == "--clients") args.clients = std::stoi(argv[i + 1]);
    else if (k == "--dir") args.dir = argv[i + 1];
    else {
      std::fprintf(stderr, "usage: ingest_bench [--alerts N] [--batch N] [--clients N] [--dir DIR]\n");
      return 2;
    }
  }
  std::mt19937_64 rng(42);
  std::vector<std::string> bodies;
  std::vector<std::vector<rasid::store::NewAlert>> rows;
  std::size_t bytes = 0;
  for (std::size_t done = 0; done < args.alerts; done += args.batch) {
    std::string body;
    for (std::size_t i = done; i < std::min(args.alerts, done + args.batch); ++i) {
      body += make_alert(rng, i);
      body += '\n';
    }
    auto parsed = rasid::hub::parse_alert_batch(body);
    if (parsed.error) {
      std::fprintf(stderr, "generator bug: %s\n", parsed.error->message.c_str());
      return 1;
    }
    bytes += body.size();
    rows.push_back(std::move(parsed.alerts));
    bodies.push_back(std::move(body));
  }

  char pattern[4096];
  std::snprintf(pattern, sizeof pattern, "%s/rasid-ingest-bench-XXXXXX", args.dir.c_str());
  if (!mkdtemp(pattern)) return 1;
  std::string dir = pattern;

  double raw_seconds = raw_sqlite(dir + "/raw.db", rows);

  auto store = rasid::store::open_sqlite_store(dir + "/hub.db");
  if (!store) return 1;
  auto authority = (*store)->add_authority("bench", "energy");
  auto token = rasid::hub::make_token(authority->id, rasid::store::Role::kSensor, std::nullopt, "bench");
  if (!authority || !token || !(*store)->add_token(token->record)) return 1;
  rasid::hub::ServerOptions options;
  options.port = 0;
  options.insecure_http = true;
  auto server = rasid::hub::Server::create(options, **store);
  if (!server) return 1;
  auto port = (*server)->bind();
  if (!port) return 1;
  std::thread serving([&] { (void)(*server)->run(); });

  std::atomic<std::size_t> next{0};
  std::atomic<int> errors{0};
  std::vector<std::vector<double>> latencies(static_cast<std::size_t>(args.clients));
  auto start = Clock::now();
  std::vector<std::thread> clients;
  for (int c = 0; c < args.clients; ++c) {
    clients.emplace_back([&, c] {
      httplib::Client client("127.0.0.1", *port);
      client.set_bearer_token_auth(token->token.c_str());
      client.set_keep_alive(true);
      client.set_read_timeout(120);
      for (std::size_t i = next++; i < bodies.size(); i = next++) {
        auto t0 = Clock::now();
        auto res = client.Post("/api/v1/alerts", bodies[i], "application/x-ndjson");
        if (!res || res->status != 200) {
          ++errors;
          continue;
        }
        latencies[static_cast<std::size_t>(c)].push_back(std::chrono::duration<double>(Clock::now() - t0).count());
      }
    });
  }
  for (auto& t : clients) t.join();
  double hub_seconds = std::chrono::duration<double>(Clock::now() - start).count();
  (*server)->stop();
  serving.join();
  auto stored = (*store)->count_alerts({});

  std::vector<double> all;
  for (auto& v : latencies) all.insert(all.end(), v.begin(), v.end());
  double raw_rate = static_cast<double>(args.alerts) / raw_seconds;
  double hub_rate = static_cast<double>(args.alerts) / hub_seconds;
  fmt::print("alerts {}, batches of {}, {:.1f} MB of JSON lines, {} HTTP clients, databases in {}\n", args.alerts,
             args.batch, static_cast<double>(bytes) / 1e6, args.clients, args.dir);
  fmt::print("raw SQLite batched insert : {:>9.0f} alerts/s ({:.2f} s)\n", raw_rate, raw_seconds);
  fmt::print("hub POST /api/v1/alerts   : {:>9.0f} alerts/s ({:.2f} s), ratio {:.2f} of raw\n", hub_rate, hub_seconds,
             hub_rate / raw_rate);
  fmt::print("batch latency (HTTP, parse, auth, durable commit): p50 {:.1f} ms, p99 {:.1f} ms, max {:.1f} ms\n",
             percentile(all, 0.50) * 1000, percentile(all, 0.99) * 1000, percentile(all, 1.0) * 1000);
  fmt::print("stored {} alerts, {} failed requests\n", stored ? *stored : -1, errors.load());
  store->reset();
  std::filesystem::remove_all(dir);
  return errors.load() == 0 && stored && *stored == static_cast<std::int64_t>(args.alerts) ? 0 : 1;
}
