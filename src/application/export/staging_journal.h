// StagingJournal: what a staged export records so that it can be continued: manifest.json (the
// plan and the settings, rewritten only when a run starts) and journal.jsonl (one line appended
// per completed window). Appending keeps the cost of a completed window constant however many
// windows the export has; Compact() folds the journal into the manifest when a run starts.
// Files are 0600 and never followed through symlinks. Not thread-safe; the job serialises calls.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/status.h"
#include "domain/time_range.h"

namespace vmx {

// One window of the plan as the journal knows it. `record` holds the completed window's stats
// ({lines, samples, bytes, crc32, deflated_bytes, jobs, source}); empty while not completed.
struct JournalWindow {
  TimeRange range;
  bool completed = false;
  nlohmann::json record;
};

class StagingJournal {
 public:
  StagingJournal() = default;
  explicit StagingJournal(std::string dir) : dir_(std::move(dir)) {}

  // Writes manifest.json atomically from `header` plus `windows` (the whole plan) and empties
  // the journal.
  Status Compact(nlohmann::json header, const std::vector<JournalWindow>& windows) const;
  // Appends one completed window.
  Status Append(const JournalWindow& w) const;

  // The manifest of the staged export in `dir` with the journal folded in: "windows" lists the
  // plan, completed windows carved out of it. A torn last journal line (a crash while writing)
  // is ignored. NotFound when there is no readable manifest.
  static Result<nlohmann::json> Load(const std::string& dir);
  // The windows of a loaded manifest.
  static std::vector<JournalWindow> WindowsOf(const nlohmann::json& manifest);

 private:
  std::string dir_;
};

// The plan `planned` with every completed window put in place: a planned window holding
// completed parts becomes those parts plus the gaps between them (pending).
std::vector<JournalWindow> CarveWindows(const std::vector<JournalWindow>& planned,
                                        const std::vector<JournalWindow>& completed);

}  // namespace vmx
