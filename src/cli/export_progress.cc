#include "cli/export_progress.h"

#include <fmt/format.h>
#include <unistd.h>

#include <string>

namespace vmx {
namespace {

std::string Eta(const nlohmann::json& eta) {
  if (!eta.is_number()) return "?";
  const int64_t s = eta.get<int64_t>();
  if (s >= 3600) return fmt::format("{}h{:02}m", s / 3600, s / 60 % 60);
  if (s >= 60) return fmt::format("{}m{:02}s", s / 60, s % 60);
  return fmt::format("{}s", s);
}

}  // namespace

ExportProgress::ExportProgress(std::FILE* out)
    : out_(out), tty_(isatty(fileno(out)) != 0), started_(std::chrono::steady_clock::now()) {}

void ExportProgress::Update(const nlohmann::json& st) {
  const auto now = std::chrono::steady_clock::now();
  if (!tty_ && now - last_line_ < std::chrono::seconds(5)) return;
  last_line_ = now;
  const double progress = st.value("progress", 0.0);
  const double elapsed = std::chrono::duration<double>(now - started_).count();
  const uint64_t lines = st.value("metrics_processed", uint64_t{0});
  const uint64_t samples = st.value("samples_processed", uint64_t{0});
  const double rate = elapsed > 0 ? static_cast<double>(samples) / elapsed : 0;
  const std::string window =
      st.contains("current_range_text") && st["current_range_text"].is_string()
          ? st["current_range_text"].get<std::string>()
          : "";
  const std::string text =
      fmt::format("{:3.0f}%  windows {}/{}  {} lines  {:.0f} samples/s  ETA {}  {}", progress * 100,
                  st.value("completed_batches", 0), st.value("total_batches", 0), lines, rate,
                  Eta(st.value("eta_seconds", nlohmann::json())), window);
  if (tty_) {
    const int width = 24;
    const int filled = static_cast<int>(progress * width + 0.5);
    fmt::print(out_, "\r[{}{}] {}\033[K", std::string(filled, '#'), std::string(width - filled, '.'), text);
    drew_ = true;
  } else {
    fmt::print(out_, "export: {}\n", text);
  }
  std::fflush(out_);
}

void ExportProgress::Finish() {
  if (drew_) fmt::print(out_, "\n");
  std::fflush(out_);
}

}  // namespace vmx
