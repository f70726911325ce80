// The redactor (runner/redactor.h) on arbitrary bytes, fed in chunks whose sizes the input picks:
// it must never crash, the chunking must not change the result, a known literal never survives,
// and a password value planted on its own line after the input is always removed (the input may
// hold the same text where it is no secret: it may stay there).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "runner/redactor.h"

namespace {

size_t Occurrences(std::string_view text, std::string_view what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string_view::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const size_t step = 1 + data[0] % 64;
  const std::string input(reinterpret_cast<const char*>(data) + 1, size - 1);
  const std::string text = input + "\npassword=FuzzPlantedValue\nknown FuzzKnownLiteral\n";

  flightcheck::Redactor whole({"FuzzKnownLiteral"});
  const std::string at_once = whole.Redact(text);

  flightcheck::Redactor chunked({"FuzzKnownLiteral"});
  std::string out;
  for (size_t at = 0; at < text.size(); at += step) {
    chunked.Feed(std::string_view(text).substr(at, step), &out);
  }
  chunked.Finish(&out);
  if (out != at_once) std::abort();
  // A private key the input left open swallows the planted lines, which is also safe.
  if (Occurrences(out, "FuzzPlantedValue") > Occurrences(input, "FuzzPlantedValue")) std::abort();
  if (out.find("FuzzKnownLiteral") != std::string::npos) std::abort();
  return 0;
}
