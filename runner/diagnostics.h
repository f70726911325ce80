// Diagnostics for rule files: "path:line:col: error: message", then the source line and a caret
// under the column, in the style of compilers and ninja. Lines and columns are 1-based.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace flightcheck {

// A rule file's name (as the user wrote it, or "rules/preflight.yaml" for built-ins) and its text.
struct SourceFile {
  std::string path;
  std::string text;
};

struct Diagnostic {
  std::string path;
  int line = 0;  // 0 when the problem is about the whole file (e.g. it cannot be read)
  int column = 0;
  std::string message;
  std::string source_line;  // the line of the file, without its newline; "" when line is 0
};

// Collects diagnostics for one or more files, in the order found.
class DiagnosticList {
 public:
  // line and column are 1-based.
  void Error(const SourceFile& file, int line, int column, std::string message);
  void FileError(std::string_view path, std::string message);

  bool empty() const { return diagnostics_.empty(); }
  size_t size() const { return diagnostics_.size(); }
  const std::vector<Diagnostic>& diagnostics() const { return diagnostics_; }

  // Orders diagnostics by file (in order of first appearance), line and column, keeping the
  // order of equal positions.
  void SortByPosition();

  // Every diagnostic formatted, each ending with a newline.
  std::string Format() const;

 private:
  std::vector<Diagnostic> diagnostics_;
};

std::string FormatDiagnostic(const Diagnostic& diagnostic);

}  // namespace flightcheck
