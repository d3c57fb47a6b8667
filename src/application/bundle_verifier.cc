#include "application/bundle_verifier.h"

#include <fmt/format.h>
#include <simdjson.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <unordered_set>

#include "common/line_splitter.h"
#include "common/zip_entries.h"
#include "infrastructure/archive/sha256_stream.h"
#include "infrastructure/obfuscation/leak_guard.h"
#include "infrastructure/obfuscation/text_scrubber.h"

namespace vmx {
namespace {

constexpr const char* kRequiredEntries[] = {"metrics.jsonl", "metadata.json", "README.txt"};

// Old VictoriaMetrics versions write bare NaN/Inf in "values"; JSON parsers reject them, so they
// are swapped for null before parsing (the check is about structure, not values).
std::string WithoutBareNonFinite(std::string_view line) {
  std::string out;
  out.reserve(line.size());
  bool in_string = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (c == '"' && (i == 0 || line[i - 1] != '\\')) in_string = !in_string;
    if (!in_string) {
      for (std::string_view word : {"+Inf", "-Inf", "Inf", "NaN"}) {
        if (line.substr(i, word.size()) == word) {
          out += "null";
          i += word.size() - 1;
          goto next;
        }
      }
    }
    out += c;
  next:;
  }
  return out;
}

// Checks each metrics line and scans label values for leftovers.
class MetricsLineChecker {
 public:
  MetricsLineChecker(bool obfuscated, size_t max_examples)
      : obfuscated_(obfuscated),
        max_examples_(max_examples),
        ips_(""),
        emails_("", "email"),
        tenants_(""),
        scrubber_(ips_, emails_, tenants_) {}

  Status Line(std::string_view line, BundleVerification& v) {
    ++v.lines;
    padded_ = simdjson::padded_string(line);
    simdjson::dom::element doc;
    if (parser_.parse(padded_).get(doc) != simdjson::SUCCESS) {
      padded_ = simdjson::padded_string(WithoutBareNonFinite(line));
      if (parser_.parse(padded_).get(doc) != simdjson::SUCCESS) return Bad(v, "is not valid JSON");
    }
    simdjson::dom::object metric;
    simdjson::dom::array values, timestamps;
    if (doc["metric"].get(metric) != simdjson::SUCCESS) return Bad(v, "has no \"metric\" object");
    if (doc["values"].get(values) != simdjson::SUCCESS) return Bad(v, "has no \"values\" array");
    if (doc["timestamps"].get(timestamps) != simdjson::SUCCESS)
      return Bad(v, "has no \"timestamps\" array");
    if (values.size() != timestamps.size())
      return Bad(v, "has different numbers of values and timestamps");
    v.samples += values.size();
    // The exporter writes a series' labels in the same order in every window, so the minified
    // metric object identifies the series.
    if (series_hashes_.insert(std::hash<std::string>{}(simdjson::minify(metric))).second) ++v.series;
    if (!obfuscated_) return Status::Ok();
    for (auto field : metric) {
      std::string_view value;
      if (field.value.get(value) != simdjson::SUCCESS || field.key == "__name__") continue;
      if (!TextScrubber::MayHoldAddress(value)) continue;
      // Tenant IDs are numbers before and after obfuscation: only other findings are leftovers.
      ScrubFindings found;
      if (scrubber_.Scrub(value, 0, &found) == value || found.Total() == found.tenants) continue;
      ++v.leftover_values;
      if (v.leftover_examples.size() < max_examples_) {
        v.leftover_examples.push_back(
            fmt::format("line {}: {}={}", v.lines, std::string(field.key), std::string(value)));
      }
    }
    return Status::Ok();
  }

  uint64_t bad_lines() const { return bad_lines_; }
  const std::string& first_bad() const { return first_bad_; }

 private:
  Status Bad(BundleVerification& v, const char* what) {
    if (bad_lines_++ == 0) first_bad_ = fmt::format("line {} {}", v.lines, what);
    return Status::Ok();
  }

  bool obfuscated_;
  size_t max_examples_;
  std::unordered_set<size_t> series_hashes_;
  simdjson::dom::parser parser_;
  simdjson::padded_string padded_;
  IpPseudonymizer ips_;
  ValuePseudonymizer emails_;
  TenantPseudonymizer tenants_;
  TextScrubber scrubber_;
  uint64_t bad_lines_ = 0;
  std::string first_bad_;
};

void Add(BundleVerification& v, std::string name, bool passed, std::string detail) {
  v.checks.push_back({std::move(name), passed, std::move(detail)});
}

}  // namespace

bool BundleVerification::ok() const {
  for (const BundleCheck& c : checks) {
    if (!c.passed) return false;
  }
  return true;
}

std::string BundleVerification::ToText() const {
  std::string out;
  for (const BundleCheck& c : checks) {
    out += fmt::format("{}  {}{}\n", c.passed ? "ok  " : "FAIL", c.name,
                       c.detail.empty() ? "" : ": " + c.detail);
  }
  for (const std::string& e : leftover_examples) out += "      leftover " + e + "\n";
  out += fmt::format("{} series in {} lines, {} samples; {}\n", series, lines, samples,
                     ok() ? "bundle verified" : "bundle FAILED verification");
  return out;
}

Result<BundleVerification> VerifyBundle(const std::string& zip_path,
                                        const BundleVerifyOptions& options) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(zip_path, ec)) {
    return Status::NotFound(fmt::format("bundle {} does not exist or is not a file", zip_path));
  }
  BundleVerification v;

  // 1. The sidecar checksum of the whole file.
  const std::string sidecar = zip_path + ".sha256";
  Result<std::string> file_sha = Sha256OfFile(zip_path);
  if (!file_sha.ok()) return file_sha.status();
  std::ifstream side(sidecar);
  std::string expected;
  if (side >> expected) {
    Add(v, "sidecar " + std::filesystem::path(sidecar).filename().string(), expected == *file_sha,
        expected == *file_sha ? *file_sha
                              : fmt::format("file has {}, sidecar says {}", *file_sha, expected));
  } else {
    Add(v, "sidecar", true,
        fmt::format("no {} beside the bundle; file SHA-256 is {}", sidecar, *file_sha));
  }

  // 2. Walk the entries: hash each, keep metadata.json, check metrics.jsonl line by line.
  std::map<std::string, std::string> entry_sha;
  std::string metadata_text;
  bool obfuscated_claim = false;
  std::unique_ptr<MetricsLineChecker> checker;
  LineSplitter splitter;
  Sha256Stream sha;
  std::string current;
  // metadata.json follows metrics.jsonl in the ZIP, but the leftover scan needs its
  // "obfuscated" claim first: a first pass reads only metadata.json (the rest is skipped).
  ZipEntryVisitor find_metadata{
      .begin = [](const std::string& name) { return name == "metadata.json"; },
      .data =
          [&](std::string_view chunk) {
            if (metadata_text.size() + chunk.size() > (8 << 20))
              return Status::TooLarge("metadata.json is over 8 MiB");
            metadata_text.append(chunk);
            return Status::Ok();
          },
      .end = [](const std::string&) { return Status::Ok(); }};
  if (Status s = VisitZipEntries(zip_path, options.max_uncompressed_bytes, find_metadata);
      !s.ok()) {
    Add(v, "zip structure", false, s.ToString());
    return v;
  }
  nlohmann::json metadata = nlohmann::json::parse(metadata_text, nullptr, false);
  if (metadata.is_discarded() || !metadata.is_object()) {
    Add(v, "metadata.json", false, metadata_text.empty() ? "missing" : "not a JSON object");
    metadata = nlohmann::json::object();
  } else {
    Add(v, "metadata.json", true, fmt::format("export {}", metadata.value("export_id", "?")));
    obfuscated_claim = metadata.value("obfuscated", false);
  }
  checker = std::make_unique<MetricsLineChecker>(obfuscated_claim, options.max_examples);
  // The leak guard of the export, run again from the user's mapping.
  std::unique_ptr<LeakGuard> guard;
  if (!options.originals.empty()) guard = std::make_unique<LeakGuard>(options.originals);
  LeakScan leaks;
  std::vector<std::string> leaking_entries;

  ZipEntryVisitor walk{.begin =
                           [&](const std::string& name) {
                             current = name;
                             return true;
                           },
                       .data =
                           [&](std::string_view chunk) {
                             sha.Update(chunk);
                             if (guard != nullptr) guard->Feed(leaks, chunk);
                             if (current != "metrics.jsonl") return Status::Ok();
                             return splitter.Feed(chunk, [&](std::string_view line) {
                               return checker->Line(line, v);
                             });
                           },
                       .end =
                           [&](const std::string& name) {
                             if (name == "metrics.jsonl") {
                               if (Status s = splitter.Finish([&](std::string_view line) {
                                     return checker->Line(line, v);
                                   });
                                   !s.ok())
                                 return s;
                             }
                             entry_sha[name] = sha.HexDigest();
                             if (guard != nullptr) {
                               guard->Finish(leaks);
                               if (leaks.hits > 0) {
                                 std::string needles;
                                 for (size_t i : leaks.needles)
                                   needles += (needles.empty() ? "" : ", ") + guard->Needle(i);
                                 leaking_entries.push_back(fmt::format("{}: {} occurrence(s) of {}",
                                                                       name, leaks.hits, needles));
                               }
                               leaks = LeakScan{};
                             }
                             return Status::Ok();
                           }};
  if (Status s = VisitZipEntries(zip_path, options.max_uncompressed_bytes, walk); !s.ok()) {
    Add(v, "zip structure", false, s.ToString());
    return v;
  }
  if (guard != nullptr) {
    std::string detail = fmt::format("{} originals from the mapping", guard->size());
    for (const std::string& e : leaking_entries) detail += "; " + e;
    Add(v, "no mapped original in any entry", leaking_entries.empty(), detail);
  }
  for (const char* required : kRequiredEntries) {
    if (!entry_sha.contains(required)) Add(v, std::string("entry ") + required, false, "missing");
  }

  // 3. Per-entry checksums from metadata.json; every entry but metadata.json must be listed.
  const nlohmann::json listed = metadata.value("sha256", nlohmann::json::object());
  for (const auto& [name, digest] : entry_sha) {
    if (name == "metadata.json") continue;
    if (!listed.contains(name) || !listed[name].is_string()) {
      Add(v, "sha256 " + name, false, "not listed in metadata.json");
    } else {
      const std::string want = listed[name].get<std::string>();
      Add(v, "sha256 " + name, want == digest,
          want == digest ? "" : fmt::format("entry has {}, metadata says {}", digest, want));
    }
  }
  for (const auto& [name, digest] : listed.items()) {
    if (!entry_sha.contains(name))
      Add(v, "sha256 " + name, false, "listed in metadata.json but missing");
  }

  // 4. metrics.jsonl content.
  if (entry_sha.contains("metrics.jsonl")) {
    Add(v, "metrics.jsonl parses", checker->bad_lines() == 0,
        checker->bad_lines() == 0
            ? fmt::format("{} lines", v.lines)
            : fmt::format("{} bad lines; first: {}", checker->bad_lines(), checker->first_bad()));
    // A series exported in several windows has a line per window: lines_count is what the file
    // must hold, metrics_count (distinct series) can only be smaller.
    if (metadata.contains("lines_count") && metadata["lines_count"].is_number_unsigned()) {
      const uint64_t want = metadata["lines_count"].get<uint64_t>();
      Add(v, "lines_count", want == v.lines,
          want == v.lines
              ? ""
              : fmt::format("metadata says {}, metrics.jsonl has {} lines", want, v.lines));
    }
    if (metadata.contains("metrics_count") && metadata["metrics_count"].is_number_unsigned()) {
      const uint64_t series = metadata["metrics_count"].get<uint64_t>();
      const bool plausible = series <= v.lines && (series > 0) == (v.lines > 0);
      Add(v, "metrics_count", plausible,
          plausible ? ""
                    : fmt::format("metadata says {} series, metrics.jsonl has {} lines", series,
                                  v.lines));
    }
    if (obfuscated_claim) {
      Add(v, "no leftover addresses", v.leftover_values == 0,
          v.leftover_values == 0
              ? ""
              : fmt::format("{} label values still hold an address, host name or e-mail",
                            v.leftover_values));
    }
  }
  return v;
}

}  // namespace vmx
