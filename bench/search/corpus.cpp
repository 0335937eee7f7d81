#include "corpus.h"

#include <sqlite3.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "OldSchemas.h"
#include "text.h"

namespace bench {

namespace {

constexpr std::size_t kVocabulary = 30'000;
constexpr const char* kRare = "quetzalcoatl";
constexpr std::array<const char*, 3> kPrefixed = {"component", "components", "componentDidMount"};
constexpr std::array<const char*, 24> kSyllables = {"ka",  "lo",  "mi",  "ren", "tas", "vo",  "du",  "pel",
                                                    "sor", "an",  "et",  "il",  "ub",  "nor", "fi",  "gra",
                                                    "ho",  "jes", "qui", "wa",  "zel", "bri", "cro", "dem"};
constexpr std::int64_t kFirstMessageAt = 1'767'225'600'000;  // 2026-01-01, ms

}  // namespace

TextGenerator::TextGenerator(std::uint64_t seed, long messages) : rng_(seed), messages_(messages) {
  vocabulary_.push_back("the");
  std::uniform_int_distribution<std::size_t> syllable(0, kSyllables.size() - 1), count(1, 4);
  while (vocabulary_.size() < kVocabulary) {
    std::string w;
    for (std::size_t n = count(rng_); n > 0; --n) w += kSyllables[syllable(rng_)];
    vocabulary_.push_back(std::move(w));  // repeats only make a word commoner
  }
  double total = 0;
  for (std::size_t rank = 1; rank <= kVocabulary; ++rank)
    cumulative_.push_back(total += 1.0 / static_cast<double>(rank));
  for (double& c : cumulative_) c /= total;
}

std::string TextGenerator::word() {
  const double u = std::uniform_real_distribution<double>(0, 1)(rng_);
  const auto at = std::lower_bound(cumulative_.begin(), cumulative_.end(), u) - cumulative_.begin();
  return vocabulary_[static_cast<std::size_t>(std::min<std::ptrdiff_t>(at, kVocabulary - 1))];
}

std::string TextGenerator::message(long index) {
  std::vector<std::string> words(std::uniform_int_distribution<std::size_t>(5, 55)(rng_));
  for (auto& w : words) w = word();
  std::uniform_real_distribution<double> chance(0, 1);
  std::uniform_int_distribution<std::size_t> place(0, words.size() - 1);
  if (chance(rng_) < 0.05) words[place(rng_)] = "button", ++common_;
  if (chance(rng_) < 0.01) words[place(rng_)] = "pricing table", ++phrase_;
  if (chance(rng_) < 0.02) words[place(rng_)] = "pricing";
  if (chance(rng_) < 0.03) words[place(rng_)] = "table";
  if (chance(rng_) < 0.03) words[place(rng_)] = kPrefixed[place(rng_) % kPrefixed.size()], ++prefix_;
  if (const long spacing = std::max(1L, messages_ / 10); index % spacing == spacing / 3)
    words[place(rng_)] = kRare, ++rare_;
  if (std::find(words.begin(), words.end(), "the") != words.end()) ++the_;
  std::string text;
  for (const auto& w : words) text += (text.empty() ? "" : " ") + w;
  text[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(text[0])));
  return text + ".";
}

std::vector<Query> TextGenerator::queries() const {
  return {
      {"rare word", kRare, {"-i", "-w", "-F", kRare}, rare_, true},
      {"common word", "button", {"-i", "-w", "-F", "button"}, common_, true},
      {"phrase", "\"pricing table\"", {"-i", "-w", "-F", "pricing table"}, phrase_, true},
      {"prefix", "compon*", {"-i", "-w", "compon\\w*"}, prefix_, true},
      {"the commonest word", "the", {"-i", "-w", "-F", "the"}, the_, false},
  };
}

std::vector<Query> writeCorpus(const SearchConfig& cfg, const std::string& db, const std::string& jsonDir,
                               std::string& error) {
  namespace fs = std::filesystem;
  fs::create_directories(jsonDir);
  sqlite3* handle = nullptr;
  if (sqlite3_open(db.c_str(), &handle) != SQLITE_OK) return error = "cannot open " + db, std::vector<Query>();
  auto exec = [&](const std::string& sql) {
    if (error.empty() && sqlite3_exec(handle, sql.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK)
      error = sql.substr(0, 60) + ": " + sqlite3_errmsg(handle);
  };
  exec(aieditor::test::kDropPullLogAdditions);
  exec(aieditor::test::kDropSearchAdditions);
  exec("PRAGMA user_version = 6");
  exec("PRAGMA journal_mode = DELETE");
  exec("PRAGMA synchronous = OFF");
  exec("BEGIN");
  sqlite3_stmt* session = nullptr;
  sqlite3_stmt* message = nullptr;
  sqlite3_prepare_v2(handle, "INSERT INTO sessions (id, title, created_at, updated_at) VALUES (?1, ?2, ?3, ?4)", -1,
                     &session, nullptr);
  sqlite3_prepare_v2(handle,
                     "INSERT INTO messages (session_id, id, seq, role, content, images, created_at, status) "
                     "VALUES (?1, ?2, ?3, ?4, ?5, '[]', ?6, 'complete')",
                     -1, &message, nullptr);
  TextGenerator text(18, cfg.messages);
  long index = 0;
  for (long s = 0; s < cfg.sessions && error.empty(); ++s) {
    const std::string id = format("s{:05d}", s);
    const long count = cfg.messages / cfg.sessions + (s < cfg.messages % cfg.sessions ? 1 : 0);
    std::ofstream file(jsonDir + "/" + id + ".json");
    file << "{\"id\":\"" << id << "\",\"messages\":[\n";
    std::string title;
    std::int64_t first = 0, last = 0;
    for (long n = 0; n < count; ++n, ++index) {
      const std::string content = text.message(index);
      const std::string messageId = format("m{}", n + 1);
      const char* role = n % 2 == 0 ? "user" : "assistant";
      // Sessions take turns, as a user moves between them; each message 10 s after the one before.
      const std::int64_t at = kFirstMessageAt + (n * cfg.sessions + s) * 10'000;
      if (n == 0) title = content.substr(0, content.find(' ', 40)), first = at;
      last = at;
      sqlite3_bind_text(message, 1, id.c_str(), -1, SQLITE_TRANSIENT);
      sqlite3_bind_text(message, 2, messageId.c_str(), -1, SQLITE_TRANSIENT);
      sqlite3_bind_int64(message, 3, n + 1);
      sqlite3_bind_text(message, 4, role, -1, SQLITE_STATIC);
      sqlite3_bind_text(message, 5, content.c_str(), -1, SQLITE_TRANSIENT);
      sqlite3_bind_int64(message, 6, at);
      if (sqlite3_step(message) != SQLITE_DONE) error = std::string("insert: ") + sqlite3_errmsg(handle);
      sqlite3_reset(message);
      file << (n ? ",\n" : "")
           << nlohmann::json{{"id", messageId}, {"role", role}, {"content", content}, {"createdAt", at}}.dump();
    }
    file << "\n]}\n";
    sqlite3_bind_text(session, 1, id.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(session, 2, title.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(session, 3, first);
    sqlite3_bind_int64(session, 4, last);
    if (sqlite3_step(session) != SQLITE_DONE && error.empty())
      error = std::string("session: ") + sqlite3_errmsg(handle);
    sqlite3_reset(session);
  }
  sqlite3_finalize(session);
  sqlite3_finalize(message);
  exec("COMMIT");
  exec("PRAGMA journal_mode = WAL");
  sqlite3_close(handle);
  return text.queries();
}

}  // namespace bench
