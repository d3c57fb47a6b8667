#include "importer/view_progress.h"

#include <fmt/format.h>

#include <algorithm>

namespace vmx::importer {

std::string ProgressBarLine(const ImportProgress& progress, int width) {
  const nlohmann::json j = progress.ToJson();
  const double fraction = std::clamp(j["progress"].get<double>(), 0.0, 1.0);
  const int filled = static_cast<int>(fraction * width + 0.5);
  const double mib = 1 << 20;
  return fmt::format("{:<9} [{}{}] {:3.0f}%  {:.1f}/{:.1f} MiB  {} samples sent",
                     j["phase"].get<std::string>(), std::string(filled, '#'),
                     std::string(width - filled, '-'), fraction * 100,
                     progress.file_bytes_read.load() / mib, progress.file_bytes.load() / mib,
                     progress.samples_sent.load());
}

}  // namespace vmx::importer
