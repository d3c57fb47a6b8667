#include "infrastructure/archive/bundle_readme.h"

#include <fmt/format.h>

namespace vmx {

std::string BundleReadmeText(const BundleMetadata& m) {
  std::string jobs;
  for (const std::string& j : m.jobs) jobs += (jobs.empty() ? "" : ", ") + j;
  std::string components;
  for (const std::string& c : m.components) components += (components.empty() ? "" : ", ") + c;
  return fmt::format(
      "VictoriaMetrics metrics export bundle\n"
      "=====================================\n"
      "\n"
      "Export ID:   {}\n"
      "Created:     {}\n"
      "Time range:  {} .. {} (end excluded)\n"
      "Components:  {}\n"
      "Jobs:        {}\n"
      "Series:      {} ({} samples)\n"
      "Obfuscated:  {}\n"
      "Created by:  vmexporter {}\n"
      "\n"
      "Contents\n"
      "  metrics.jsonl   the metrics in VictoriaMetrics JSON-lines export format\n"
      "  metadata.json   what was exported and how, the obfuscation rules (never the mapping),\n"
      "                  a privacy report and the SHA-256 of metrics.jsonl and README.txt\n"
      "  README.txt      this file\n"
      "\n"
      "Check the bundle\n"
      "  sha256sum -c <bundle>.zip.sha256        (the checksum file written next to the ZIP)\n"
      "  vmexporter verify <bundle>.zip\n"
      "\n"
      "Import into VictoriaMetrics\n"
      "  vmimport import -url http://localhost:8428 <bundle>.zip\n"
      "  or: unzip <bundle>.zip metrics.jsonl && \\\n"
      "      curl --data-binary @metrics.jsonl http://localhost:8428/api/v1/import\n"
      "  (cluster: http://<vminsert>:8480/insert/<tenant>/prometheus/api/v1/import)\n",
      m.export_id, FormatRfc3339(m.export_date_ms), FormatRfc3339(m.time_range.start_ms),
      FormatRfc3339(m.time_range.end_ms), components.empty() ? "-" : components,
      jobs.empty() ? "-" : jobs, m.metrics_count, m.samples_count,
      m.obfuscated ? "yes (private values replaced by pseudonyms)" : "no", m.tool_version);
}

}  // namespace vmx
