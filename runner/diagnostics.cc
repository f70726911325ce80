#include "runner/diagnostics.h"

#include <algorithm>
#include <tuple>

#include <fmt/format.h>

#include "checks/text.h"

namespace flightcheck {
namespace {

std::string LineOf(std::string_view text, int line) {
  size_t start = 0;
  for (int i = 1; i < line; ++i) {
    start = text.find('\n', start);
    if (start == std::string_view::npos) return "";
    ++start;
  }
  size_t end = text.find('\n', start);
  if (end == std::string_view::npos) end = text.size();
  std::string result(text.substr(start, end - start));
  if (!result.empty() && result.back() == '\r') result.pop_back();
  return result;
}

}  // namespace

// Messages echo what the file says ("unknown role 'a\nb'"): escaped, one problem stays one line.
void DiagnosticList::Error(const SourceFile& file, int line, int column, std::string message) {
  diagnostics_.push_back(
      {file.path, line, column, EscapeControl(message), LineOf(file.text, line)});
}

void DiagnosticList::FileError(std::string_view path, std::string message) {
  diagnostics_.push_back({std::string(path), 0, 0, EscapeControl(message), ""});
}

std::string FormatDiagnostic(const Diagnostic& d) {
  if (d.line == 0) return fmt::format("{}: error: {}\n", d.path, d.message);
  std::string text = fmt::format("{}:{}:{}: error: {}\n", d.path, d.line, d.column, d.message);
  if (!d.source_line.empty()) {
    // A very long line (a generated file, a 100,000-character pattern) is shown as a window
    // around the column, so one diagnostic stays a few lines.
    constexpr size_t kContext = 60;
    const size_t column = static_cast<size_t>(std::max(d.column, 1)) - 1;
    size_t begin = 0;
    std::string line = d.source_line;
    if (line.size() > 2 * kContext + 20) {
      begin = column > kContext ? column - kContext : 0;
      const size_t end = std::min(line.size(), column + kContext);
      line = (begin > 0 ? "..." : "") + line.substr(begin, end - begin) +
             (end < d.source_line.size() ? "..." : "");
    }
    // Tabs stay tabs under the caret so it lines up in a terminal.
    std::string caret(begin > 0 ? 3 : 0, ' ');
    for (size_t i = begin; i < column && i < d.source_line.size(); ++i) {
      caret += d.source_line[i] == '\t' ? '\t' : ' ';
    }
    text += line + "\n" + caret + "^\n";
  }
  return text;
}

void DiagnosticList::SortByPosition() {
  std::vector<std::string> files;
  for (const Diagnostic& d : diagnostics_) {
    if (std::find(files.begin(), files.end(), d.path) == files.end()) files.push_back(d.path);
  }
  auto file_rank = [&files](const std::string& path) {
    return std::find(files.begin(), files.end(), path) - files.begin();
  };
  std::stable_sort(diagnostics_.begin(), diagnostics_.end(),
                   [&](const Diagnostic& a, const Diagnostic& b) {
                     return std::tuple(file_rank(a.path), a.line, a.column) <
                            std::tuple(file_rank(b.path), b.line, b.column);
                   });
}

std::string DiagnosticList::Format() const {
  std::string text;
  for (const Diagnostic& d : diagnostics_) text += FormatDiagnostic(d);
  return text;
}

}  // namespace flightcheck
