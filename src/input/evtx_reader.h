#pragma once
// EvtxReader: a Windows event log file (.evtx) as batches of flat JSON records.
//
// Our own decoder (no libevtx): file header, 64 KiB chunks, records, binary XML with a
// per-chunk template cache and typed substitutions. Each record becomes one flat JSON object
// in the convention of shared/data/samples/README.md, so the JSON decoder and the whole hunt
// pipeline read EVTX unchanged. RecordReader::open returns this reader for a file starting
// with "ElfFile\0" (by signature, not extension).
//
// Damage never stops reading: a bad checksum, a truncated chunk or a record that does not
// parse is a problem in RecordBatch::problems ("chunk 3 record 1234: ...", line = the record
// number, 0 for chunk problems), and every record that parses still comes out. Memory
// is one chunk plus the batch. Not thread-safe; one reader per thread.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "base/result.h"
#include "input/record_reader.h"

namespace rasid::input {

// True if `head` starts with the EVTX file signature "ElfFile\0".
[[nodiscard]] bool is_evtx(std::string_view head);

// Opens an EVTX file (kNotFound, kIo if it cannot be read). Record::line is the record number
// of the record header (1, 2, 3... in an exported file; it can differ from the event's
// System/EventRecordID, which the JSON carries).
[[nodiscard]] Result<std::unique_ptr<RecordReader>> open_evtx(const std::filesystem::path& path);
// Same over bytes in memory (tests, fuzzing); `name` is used in messages.
[[nodiscard]] std::unique_ptr<RecordReader> evtx_from_string(std::string bytes, std::string name);

}  // namespace rasid::input
