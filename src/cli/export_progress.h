// ExportProgress: prints an export job's progress on stderr: a redrawn bar with windows done,
// rates and ETA when stderr is a terminal, a plain line every few seconds otherwise.
#pragma once

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>

namespace vmx {

class ExportProgress {
 public:
  explicit ExportProgress(std::FILE* out);
  // Shows `status` (ExportJob::StatusJson()) if it is time to.
  void Update(const nlohmann::json& status);
  // Ends the bar's line.
  void Finish();

 private:
  std::FILE* out_;
  bool tty_;
  std::chrono::steady_clock::time_point started_;
  std::chrono::steady_clock::time_point last_line_{};
  bool drew_ = false;
};

}  // namespace vmx
