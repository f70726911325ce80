#include "runner/redactor.h"

#include <re2/re2.h>

#include <algorithm>
#include <cstdlib>
#include <memory>

namespace flightcheck {
namespace {

constexpr std::string_view kRuleNames[kRedactionRuleCount] = {
    "private-key",     "known-secret",  "secret-value",
    "url-credentials", "authorization", "aws-access-key-id",
};

// The name of a setting that holds a secret, as written in YAML, JSON, INI, env files and
// command lines: any word containing one of these (DB_PASSWORD, "apiToken", --client-secret,
// exhibitor_azure_account_key).
constexpr char kSecretName[] =
    R"([A-Za-z0-9_.-]*(?i:password|passwd|secret|token|api[_-]?key|access[_-]?key|)"
    R"(private[_-]?key|credentials?|_key)[A-Za-z0-9_.-]*)";

struct Patterns {
  RE2 private_key_begin{R"((-----BEGIN [A-Z0-9 ]*PRIVATE KEY[A-Z ]*-----))"};
  RE2 private_key_end{R"((-----END [A-Z0-9 ]*PRIVATE KEY[A-Z ]*-----))"};
  // name, an optional closing quote of a JSON/YAML key, the separator, the value.
  RE2 quoted_double{std::string("(") + kSecretName +
                    R"re(["']?\s*[:=]\s*")((?:[^"\\]|\\.)+)("))re"};
  RE2 quoted_single{std::string("(") + kSecretName + R"re(["']?\s*[:=]\s*')([^']+)('))re"};
  // Unquoted: up to white space or a delimiter; never a value that starts with a quote (the two
  // above had it) or with '[' (already redacted, or a list).
  RE2 unquoted{std::string("(") + kSecretName + R"re(["']?\s*[:=]\s*)([^"'\s\[][^\s,;&}]*))re"};
  RE2 url_credentials{R"(([A-Za-z][A-Za-z0-9+.-]*://)([^/?#\s"'@]+(?:@[^/?#\s"'@]+)*)@)"};
  RE2 authorization{R"(((?i:bearer|basic)\s+)([A-Za-z0-9._~+/=-]{8,}))"};
  RE2 aws_access_key_id{R"(\b((?:AKIA|ASIA)[A-Z0-9]{16})\b)"};
  // What every rule above needs somewhere in a line: one scan without captures (RE2's DFA) tells
  // the lines that cannot hold a secret, nearly all of a log, from those the rules must see.
  RE2 trigger{R"((?i:password|passwd|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|)"
              R"(credential|_key|bearer|basic)|://|AKIA|ASIA|-----BEGIN)"};
};

const Patterns& Rules() {
  static const Patterns* const kPatterns = [] {
    auto* patterns = new Patterns();
    // A pattern that does not compile would match nothing and let every secret through.
    for (const RE2* re :
         {&patterns->private_key_begin, &patterns->private_key_end, &patterns->quoted_double,
          &patterns->quoted_single, &patterns->unquoted, &patterns->url_credentials,
          &patterns->authorization, &patterns->aws_access_key_id, &patterns->trigger}) {
      if (!re->ok()) std::abort();
    }
    return patterns;
  }();
  return *kPatterns;
}

}  // namespace

std::string_view RedactionRuleName(RedactionRule rule) {
  return kRuleNames[static_cast<size_t>(rule)];
}

Redactor::Redactor(std::vector<std::string> known_secrets) {
  for (std::string& secret : known_secrets) {
    if (secret.size() >= kMinKnownSecretBytes) known_secrets_.push_back(std::move(secret));
  }
  // Longest first: a secret that contains another is removed whole.
  std::sort(known_secrets_.begin(), known_secrets_.end(),
            [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
}

int64_t Redactor::total() const {
  int64_t sum = 0;
  for (int64_t n : counts_) sum += n;
  return sum;
}

void Redactor::Feed(std::string_view chunk, std::string* out) {
  while (!chunk.empty()) {
    const size_t newline = chunk.find('\n');
    const size_t take = newline == std::string_view::npos ? chunk.size() : newline;
    const size_t room = kMaxLineBytes - pending_.size();
    if (take >= room) {
      // An overlong line goes out in pieces, so memory stays bounded whatever the input.
      pending_.append(chunk.substr(0, room));
      chunk.remove_prefix(room);
      RedactLine(pending_, /*newline=*/false, out);
      pending_.clear();
      continue;
    }
    if (newline == std::string_view::npos) {
      pending_.append(chunk);
      return;
    }
    // A whole line in the chunk is redacted where it is: a journal item is millions of them.
    if (pending_.empty()) {
      RedactLine(chunk.substr(0, take), /*newline=*/true, out);
    } else {
      pending_.append(chunk.substr(0, take));
      RedactLine(pending_, /*newline=*/true, out);
      pending_.clear();
    }
    chunk.remove_prefix(take + 1);
  }
}

void Redactor::Finish(std::string* out) {
  if (!pending_.empty()) RedactLine(pending_, /*newline=*/false, out);
  pending_.clear();
}

std::string Redactor::Redact(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  Feed(text, &out);
  Finish(&out);
  return out;
}

void Redactor::RedactLine(std::string_view input, bool newline, std::string* out) {
  const Patterns& rules = Rules();
  if (!in_private_key_ &&
      !RE2::PartialMatch(re2::StringPiece(input.data(), input.size()), rules.trigger) &&
      std::none_of(known_secrets_.begin(), known_secrets_.end(), [input](const std::string& s) {
        return input.find(s) != std::string_view::npos;
      })) {
    out->append(input);
    if (newline) out->push_back('\n');
    return;
  }
  std::string line;
  // A private key: what is between BEGIN and END goes, across lines.
  std::string_view rest = input;
  while (!rest.empty()) {
    re2::StringPiece piece(rest.data(), rest.size()), marker;
    if (in_private_key_) {
      if (!RE2::PartialMatch(piece, rules.private_key_end, &marker)) {
        // Inside the key: nothing of the rest stays; a line wholly inside goes with its newline.
        if (line.empty()) return;
        break;
      }
      in_private_key_ = false;
      line += kRedactedMarker;
      const size_t end = static_cast<size_t>(marker.data() - rest.data()) + marker.size();
      line.append(rest.substr(end - marker.size(), marker.size()));
      rest.remove_prefix(end);
      continue;
    }
    if (!RE2::PartialMatch(piece, rules.private_key_begin, &marker)) {
      line.append(rest);
      break;
    }
    const size_t begin_end = static_cast<size_t>(marker.data() - rest.data()) + marker.size();
    line.append(rest.substr(0, begin_end));
    rest.remove_prefix(begin_end);
    in_private_key_ = true;
    Count(RedactionRule::kPrivateKey, 1);
  }

  for (const std::string& secret : known_secrets_) {
    for (size_t at = line.find(secret); at != std::string::npos; at = line.find(secret, at)) {
      line.replace(at, secret.size(), kRedactedMarker);
      at += kRedactedMarker.size();
      Count(RedactionRule::kKnownSecret, 1);
    }
  }
  const std::string marker(kRedactedMarker);
  Count(RedactionRule::kSecretValue,
        RE2::GlobalReplace(&line, rules.quoted_double, "\\1" + marker + "\\3") +
            RE2::GlobalReplace(&line, rules.quoted_single, "\\1" + marker + "\\3") +
            RE2::GlobalReplace(&line, rules.unquoted, "\\1" + marker));
  Count(RedactionRule::kUrlCredentials,
        RE2::GlobalReplace(&line, rules.url_credentials, "\\1" + marker + "@"));
  Count(RedactionRule::kAuthorization,
        RE2::GlobalReplace(&line, rules.authorization, "\\1" + marker));
  Count(RedactionRule::kAwsAccessKeyId, RE2::GlobalReplace(&line, rules.aws_access_key_id, marker));
  out->append(line);
  if (newline) out->push_back('\n');
}

}  // namespace flightcheck
