// What a bundle collects, as ItemProducers (collector/bundle_writer.h): a unit's journal, a
// command's output, a local HTTP endpoint's answer, a host file. Each streams into the item and
// stops reading once the item is full; each failure is the item's (an error Status), never the
// bundle's.
//
// Thread-safety: a producer is called once, on one thread; the host and runner it holds must
// outlive it.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <stop_token>
#include <string>
#include <vector>

#include "checks/command_runner.h"
#include "checks/host_context.h"
#include "collector/bundle_writer.h"

namespace flightcheck {

// The unit's journal entries at or after since (µs since the epoch; nullopt: all), one
// journalctl-like line each (checks/journal_reader.h), bounded by timeout.
//
// Every producer here also ends early when stop is requested (a bundle being stopped): a command
// is killed then, not at its own timeout.
ItemProducer UnitJournal(const HostContext& host, std::string unit,
                         std::optional<uint64_t> since_realtime_usec,
                         std::chrono::milliseconds timeout, std::stop_token stop = {});

// argv's stdout, then its stderr under a "--- stderr ---" line when there is any; its exit code
// when not 0. At the timeout the command's process group is killed and the item's error says so.
ItemProducer CommandOutput(const CommandRunner& runner, std::vector<std::string> argv,
                           std::chrono::milliseconds timeout, size_t output_cap,
                           std::stop_token stop = {});

// The body of a GET of url (a local service's endpoint: checks/http_client.h), bounded by timeout
// and cut one byte past output_cap, the item's cap (which then marks it truncated): memory holds
// no more than that. An answer other than 2xx is written too, and is the item's error.
ItemProducer HttpEndpoint(std::string url, std::chrono::milliseconds timeout, size_t output_cap,
                          std::stop_token stop = {});

// The regular file at the absolute host path (under host.root, links resolved as the host does),
// streamed; never a FIFO or device.
ItemProducer HostFile(const HostContext& host, std::string path);

}  // namespace flightcheck
