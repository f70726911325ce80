// Redaction of secrets in text before it leaves the host (support bundles, logs): private keys,
// the values of password/token/secret/key settings in YAML, JSON, INI, env files and command
// output, credentials in URLs, bearer and basic credentials, AWS access key ids, and literal
// values the caller knows to be secret (the cluster config's secret keys, runner/secret_policy.h).
// Each is replaced by "[REDACTED]", counted per rule, and never kept: counts() says what was
// removed, never the secret.
//
// Text is redacted line by line, as it streams (Feed/Finish); a private key block spans lines and
// everything between its BEGIN and END markers goes (the lines between them too), to the end of
// the input when the END is missing. A line longer than kMaxLineBytes is redacted in pieces of that
// size (a secret that straddles a piece boundary in such a line may survive in part; no log or
// config line is that long).
//
// Ownership: a Redactor holds the state of one stream; use one per file or command output.
// Thread-safety: one thread at a time per Redactor; the rules are shared, immutable and built on
// first use.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace flightcheck {

// The redaction rules, one table: their names are what the bundle's redaction report shows.
enum class RedactionRule {
  kPrivateKey,      // PEM / OpenSSH / PGP private key blocks
  kKnownSecret,     // a literal the caller gave (cluster config secrets)
  kSecretValue,     // password: x, "token": "x", SECRET_KEY=x, --password=x, ...
  kUrlCredentials,  // scheme://user:password@host
  kAuthorization,   // Bearer x, Basic x
  kAwsAccessKeyId,  // AKIA... / ASIA...
};
inline constexpr size_t kRedactionRuleCount = 6;
std::string_view RedactionRuleName(RedactionRule rule);

inline constexpr std::string_view kRedactedMarker = "[REDACTED]";

class Redactor {
 public:
  static constexpr size_t kMaxLineBytes = 1 << 20;
  // Known secrets shorter than this are ignored (a short literal would wreck unrelated text).
  static constexpr size_t kMinKnownSecretBytes = 6;

  explicit Redactor(std::vector<std::string> known_secrets = {});

  // Appends the redacted form of chunk's complete lines to *out; a partial last line waits for
  // the next chunk (or Finish).
  void Feed(std::string_view chunk, std::string* out);
  // Redacts and appends what is left.
  void Finish(std::string* out);

  // One whole text at once (Feed and Finish).
  std::string Redact(std::string_view text);

  // Replacements made so far, by rule.
  const std::array<int64_t, kRedactionRuleCount>& counts() const { return counts_; }
  int64_t total() const;

 private:
  // Appends line's redacted form and, when newline, a newline; nothing at all when the line was
  // wholly inside a private key (it goes with its newline).
  void RedactLine(std::string_view line, bool newline, std::string* out);
  void Count(RedactionRule rule, int64_t n) { counts_[static_cast<size_t>(rule)] += n; }

  std::vector<std::string> known_secrets_;  // longest first
  std::string pending_;                     // a partial line
  bool in_private_key_ = false;
  std::array<int64_t, kRedactionRuleCount> counts_{};
};

}  // namespace flightcheck
