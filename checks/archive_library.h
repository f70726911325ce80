// libarchive, loaded with dlopen when the first archive is written or read (see
// checks/shared_library.h for why it is not linked: its closure includes libxml2 and ICU). The
// functions flightcheck calls are one table, FLIGHTCHECK_ARCHIVE_FUNCTIONS; each is a pointer of
// the type archive.h and archive_entry.h declare.
//
// Failure: Archive() returns Unavailable when libarchive.so.13 is missing or lacks a function;
// the same result on every later call.
// Thread-safety: Archive() may be called from any thread; the library is loaded once. An archive
// handle is used by one thread at a time, as libarchive requires.
#pragma once

#include <archive.h>
#include <archive_entry.h>

#include "checks/status.h"

namespace flightcheck {

//        field                    symbol
#define FLIGHTCHECK_ARCHIVE_FUNCTIONS(X)                                      \
  X(error_string, archive_error_string)                                       \
  X(entry_new, archive_entry_new)                                             \
  X(entry_free, archive_entry_free)                                           \
  X(entry_set_pathname, archive_entry_set_pathname)                           \
  X(entry_set_filetype, archive_entry_set_filetype)                           \
  X(entry_set_perm, archive_entry_set_perm)                                   \
  X(entry_set_size, archive_entry_set_size)                                   \
  X(entry_set_mtime, archive_entry_set_mtime)                                 \
  X(entry_set_uid, archive_entry_set_uid)                                     \
  X(entry_set_gid, archive_entry_set_gid)                                     \
  X(entry_set_uname, archive_entry_set_uname)                                 \
  X(entry_set_gname, archive_entry_set_gname)                                 \
  X(write_new, archive_write_new)                                             \
  X(write_free, archive_write_free)                                           \
  X(write_set_format_pax_restricted, archive_write_set_format_pax_restricted) \
  X(write_add_filter_gzip, archive_write_add_filter_gzip)                     \
  X(write_add_filter_none, archive_write_add_filter_none)                     \
  X(write_add_filter_zstd, archive_write_add_filter_zstd)                     \
  X(write_set_format_zip, archive_write_set_format_zip)                       \
  X(write_set_option, archive_write_set_option)                               \
  X(write_set_bytes_in_last_block, archive_write_set_bytes_in_last_block)     \
  X(write_open2, archive_write_open2)                                         \
  X(write_header, archive_write_header)                                       \
  X(write_data, archive_write_data)                                           \
  X(write_close, archive_write_close)                                         \
  X(read_new, archive_read_new)                                               \
  X(read_free, archive_read_free)                                             \
  X(read_support_filter_gzip, archive_read_support_filter_gzip)               \
  X(read_support_filter_zstd, archive_read_support_filter_zstd)               \
  X(read_support_filter_none, archive_read_support_filter_none)               \
  X(read_support_format_tar, archive_read_support_format_tar)                 \
  X(read_support_format_zip, archive_read_support_format_zip)                 \
  X(read_open_filename, archive_read_open_filename)                           \
  X(read_open_memory, archive_read_open_memory)                               \
  X(read_next_header, archive_read_next_header)                               \
  X(read_data, archive_read_data)                                             \
  X(entry_pathname, archive_entry_pathname)                                   \
  X(entry_size, archive_entry_size)                                           \
  X(entry_size_is_set, archive_entry_size_is_set)                             \
  X(entry_filetype, archive_entry_filetype)

struct ArchiveLibrary {
#define FLIGHTCHECK_ARCHIVE_FIELD(field, symbol) decltype(&::symbol) field = nullptr;
  FLIGHTCHECK_ARCHIVE_FUNCTIONS(FLIGHTCHECK_ARCHIVE_FIELD)
#undef FLIGHTCHECK_ARCHIVE_FIELD
};

// The loaded libarchive; the pointer is valid for the life of the process.
Result<const ArchiveLibrary*> Archive();

}  // namespace flightcheck
