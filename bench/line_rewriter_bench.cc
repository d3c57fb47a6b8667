// Throughput of SeriesLineRewriter on export lines shaped like VictoriaMetrics' self-monitoring
// data (labels of a Kubernetes deployment, 960 samples per line), on one core, with obfuscation
// on. Reports bytes/s of input lines.
#include <benchmark/benchmark.h>

#include <random>
#include <string>
#include <vector>

#include "application/export/series_line_rewriter.h"
#include "application/obfuscator_registry.h"

namespace vmx {
namespace {

std::vector<std::string> MakeLines(int series, int samples) {
  std::mt19937 rng(42);
  std::vector<std::string> lines;
  for (int s = 0; s < series; ++s) {
    std::string line = "{\"metric\":{\"__name__\":\"vm_metric_" + std::to_string(s % 400) +
                       "\",\"job\":\"vmstorage-prod\",\"instance\":\"10.42." + std::to_string(s % 7) + "." +
                       std::to_string(s % 250) + ":8482\",\"pod\":\"vmstorage-prod-" + std::to_string(s % 6) +
                       "\",\"namespace\":\"monitoring\",\"node\":\"ip-10-1-2-" + std::to_string(s % 9) +
                       ".eu-west-1.compute.internal\",\"cluster\":\"prod-eu\"},\"values\":[";
    std::string ts = "],\"timestamps\":[";
    for (int i = 0; i < samples; ++i) {
      if (i > 0) {
        line += ',';
        ts += ',';
      }
      line += std::to_string(rng() % 100000);
      if (i % 3 == 0) line += "." + std::to_string(rng() % 1000);
      ts += std::to_string(1'699'971'200'000LL + i * 30'000LL);
    }
    lines.push_back(line + ts + "]}");
  }
  return lines;
}

void RunRewriter(benchmark::State& state, int64_t step_ms) {
  const std::vector<std::string> lines = MakeLines(2000, static_cast<int>(state.range(0)));
  // The default rules: pod, node, cluster and namespace are identity labels without being named.
  ObfuscationConfig config;
  config.enabled = true;
  SeriesLineRewriter rewriter(ObfuscatorFor(config), step_ms);
  std::string out;
  size_t bytes = 0;
  for (auto _ : state) {
    for (const std::string& line : lines) {
      out.clear();
      if (!rewriter.Rewrite(line, &out).ok()) state.SkipWithError("rewrite failed");
      bytes += line.size() + 1;
    }
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
}

void BM_RewriteRaw(benchmark::State& state) { RunRewriter(state, 0); }
void BM_RewriteStep60s(benchmark::State& state) { RunRewriter(state, 60'000); }

// 960 samples: one line per series over the benchmark's 8 hours; 120: a window of one hour.
BENCHMARK(BM_RewriteRaw)->Arg(960)->Arg(120)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_RewriteStep60s)->Arg(960)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace vmx

BENCHMARK_MAIN();
