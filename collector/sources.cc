#include "collector/sources.h"

#include <unistd.h>

#include <cerrno>

#include <fmt/format.h>

#include "checks/deadline.h"
#include "checks/file_io.h"
#include "checks/http_client.h"
#include "checks/journal_reader.h"

namespace flightcheck {

ItemProducer UnitJournal(const HostContext& host, std::string unit,
                         std::optional<uint64_t> since_realtime_usec,
                         std::chrono::milliseconds timeout, std::stop_token stop) {
  return [&host, unit = std::move(unit), since_realtime_usec, timeout,
          stop](ItemSink& sink) -> Status {
    std::string line;
    bool full = false;
    const auto visit = [&](const JournalEntry& entry) -> Status {
      line = FormatJournalLine(entry);
      line += '\n';
      // A full item ends the walk: the line is still offered, so that the writer marks the item
      // truncated, and stopping is not an error.
      full = sink.full();
      if (Status status = sink.Write(line); !status.ok() || !full) return status;
      return Status::Internal("the item is full");
    };
    const Status status = ForEachUnitJournalEntry(host, unit, since_realtime_usec,
                                                  Deadline::In(timeout).WithStop(stop), visit);
    return full ? Status::Ok() : status;
  };
}

ItemProducer CommandOutput(const CommandRunner& runner, std::vector<std::string> argv,
                           std::chrono::milliseconds timeout, size_t output_cap,
                           std::stop_token stop) {
  return [&runner, argv = std::move(argv), timeout, output_cap, stop](ItemSink& sink) -> Status {
    Result<CommandResult> ran = runner.Run(argv, Deadline::In(timeout).WithStop(stop), output_cap);
    if (!ran) return ran.error();
    if (Status status = sink.Write(ran->stdout_text); !status.ok()) return status;
    if (!ran->stderr_text.empty()) {
      if (Status status = sink.Write("--- stderr ---\n"); !status.ok()) return status;
      if (Status status = sink.Write(ran->stderr_text); !status.ok()) return status;
    }
    // Cut at output_cap by the runner: the item may still be under its own cap.
    if (ran->output_truncated) sink.MarkTruncated();
    if (ran->term_signal != 0) {
      return Status::Internal(
          fmt::format("{} was killed by signal {}", QuoteArgv(argv), ran->term_signal));
    }
    if (ran->exit_code != 0) {
      return Status::Internal(fmt::format("{} exited with {}", QuoteArgv(argv), ran->exit_code));
    }
    return Status::Ok();
  };
}

ItemProducer HttpEndpoint(std::string url, std::chrono::milliseconds timeout, size_t output_cap,
                          std::stop_token stop) {
  return [url = std::move(url), timeout, output_cap, stop](ItemSink& sink) -> Status {
    HttpOptions options;
    // One byte past the cap: the item (whose cap output_cap is) marks itself truncated.
    options.max_body = output_cap + 1;
    Result<HttpResponse> answer = HttpGet(url, Deadline::In(timeout).WithStop(stop), options);
    if (!answer) return answer.error();
    if (Status status = sink.Write(answer->body); !status.ok()) return status;
    if (answer->status < 200 || answer->status > 299) {
      return Status::Unavailable(fmt::format("GET {} answered HTTP {}", url, answer->status));
    }
    return Status::Ok();
  };
}

ItemProducer HostFile(const HostContext& host, std::string path) {
  return [&host, path = std::move(path)](ItemSink& sink) -> Status {
    Result<std::filesystem::path> local = host.LocalPath(path);
    if (!local) return local.error();
    Result<ScopedFd> file = OpenRegularFile(*local, fmt::format("'{}'", path));
    if (!file) return file.error();
    char buffer[64 << 10];
    // Read until the end, or one read past a full item (which marks it truncated).
    for (bool full = false; !full;) {
      full = sink.full();
      const ssize_t n = ::read(file->get(), buffer, sizeof buffer);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return Status::FromErrno(fmt::format("reading {}", path), errno);
      if (n == 0) break;
      if (Status status = sink.Write(std::string_view(buffer, static_cast<size_t>(n)));
          !status.ok()) {
        return status;
      }
    }
    return Status::Ok();
  };
}

}  // namespace flightcheck
