// RewriteSeries throughput (series/s) on the label sets bench/gen_dataset.py produces: every
// component's /metrics page (bench/templates/*.prom) on N instances, each series carrying the
// Kubernetes labels (private IP instance, pod, node host name, namespace, cluster).
//
//   build/bin/obfuscator_bench --benchmark_counters_tabular=true
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "infrastructure/obfuscation/obfuscator.h"

namespace {

using Series = std::vector<vmx::Label>;

struct Component {
  const char* name;
  const char* prom;
  int port;
};
constexpr Component kComponents[] = {
    {"vmstorage", "victoria-metrics.prom", 8482},
    {"vminsert", "victoria-metrics.prom", 8480},
    {"vmselect", "victoria-metrics.prom", 8481},
    {"vmagent", "vmagent.prom", 8429},
    {"vmalert", "vmagent.prom", 8880},
    {"vmauth", "vmagent.prom", 8427},
    {"vmsingle", "victoria-metrics.prom", 8428},
};

// Reads `name{a="b",…} value` lines of a Prometheus text page (no escapes in our templates).
std::vector<Series> ReadTemplate(const std::string& file) {
  const auto path = std::filesystem::path(VMX_BENCH_DIR) / "templates" / file;
  std::ifstream in(path);
  if (!in) {  // an empty dataset would time nothing and print 0 items/s
    std::fprintf(stderr, "cannot read %s\n", path.c_str());
    std::exit(1);
  }
  std::vector<Series> out;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    const size_t brace = line.find('{');
    const size_t space = line.find(' ');
    Series s;
    s.push_back({"__name__", line.substr(0, std::min(brace, space))});
    if (s[0].value == "vm_app_version") continue;
    if (brace != std::string::npos && brace < space) {
      size_t pos = brace + 1;
      while (true) {
        const size_t eq = line.find("=\"", pos);
        if (eq == std::string::npos) break;
        const size_t close = line.find('"', eq + 2);
        std::string name = line.substr(pos, eq - pos);
        while (!name.empty() && (name[0] == ' ' || name[0] == ',')) name.erase(0, 1);
        s.push_back({name, line.substr(eq + 2, close - eq - 2)});
        pos = close + 1;
      }
    }
    out.push_back(std::move(s));
  }
  return out;
}

// The dataset of gen_dataset.py with `instances` instances per component.
std::vector<Series> Dataset(int instances) {
  std::mt19937 rnd(7);
  std::vector<Series> out;
  for (const Component& c : kComponents) {
    const std::vector<Series> templ = ReadTemplate(c.prom);
    for (int i = 0; i < instances; ++i) {
      const std::string ip = "10." + std::to_string(rnd() % 256) + "." +
                             std::to_string(rnd() % 256) + "." + std::to_string(1 + rnd() % 254);
      std::string dashed = ip;
      for (char& ch : dashed) ch = ch == '.' ? '-' : ch;
      for (Series s : templ) {
        s.push_back({"job", std::string("prod-") + c.name});
        s.push_back({"instance", ip + ":" + std::to_string(c.port)});
        s.push_back({"pod", std::string(c.name) + "-" + std::to_string(i) + "-" +
                                std::to_string(10000 + rnd() % 90000)});
        s.push_back({"node", "ip-" + dashed + ".eu-west-1.compute.internal"});
        s.push_back({"namespace", "monitoring-prod"});
        s.push_back({"cluster", "acme-payments-eu"});
        out.push_back(std::move(s));
      }
    }
  }
  return out;
}

vmx::ObfuscationConfig Config(bool enabled, std::string key = "") {
  vmx::ObfuscationConfig c;
  c.enabled = enabled;
  c.custom_labels = {"pod", "namespace", "cluster"};
  c.key = std::move(key);
  return c;
}

// ~24k series: 6 instances of every component, one export window's worth.
const std::vector<Series>& Window() {
  static const std::vector<Series> data = Dataset(6);
  return data;
}

// Rewrites every step-th series from `first`; returns how many.
int64_t RewriteAll(vmx::Obfuscator& o, const std::vector<Series>& data, size_t first, size_t step) {
  int64_t n = 0;
  for (size_t i = first; i < data.size(); i += step, ++n) {
    Series s = data[i];  // the export stream builds a fresh label set per series too
    o.RewriteSeries(s);
    benchmark::DoNotOptimize(s.data());
  }
  return n;
}

// Repeated values (every window after the first): the cache fast path.
void BM_RewriteSeriesWarm(benchmark::State& state) {
  static vmx::Obfuscator* shared = [] {
    auto* o = new vmx::Obfuscator(Config(true));
    for (Series s : Window()) o->RewriteSeries(s);
    return o;
  }();
  const auto& data = Window();
  int64_t series = 0;
  for (auto _ : state) series += RewriteAll(*shared, data, state.thread_index(), state.threads());
  state.SetItemsProcessed(series);
}
BENCHMARK(BM_RewriteSeriesWarm)
    ->Threads(1)
    ->Threads(2)
    ->Threads(4)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

// First window: every value is new (pseudonyms assigned, deep scrub runs).
void BM_RewriteSeriesCold(benchmark::State& state) {
  const auto& data = Window();
  int64_t series = 0;
  for (auto _ : state) {
    vmx::Obfuscator o(Config(true, state.range(0) ? "bench-key" : ""));
    series += RewriteAll(o, data, 0, 1);
  }
  state.SetItemsProcessed(series);
}
BENCHMARK(BM_RewriteSeriesCold)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

// Obfuscation off: the cost of copying the labels alone, for comparison.
void BM_RewriteSeriesDisabled(benchmark::State& state) {
  vmx::Obfuscator o(Config(false));
  const auto& data = Window();
  int64_t series = 0;
  for (auto _ : state) series += RewriteAll(o, data, 0, 1);
  state.SetItemsProcessed(series);
}
BENCHMARK(BM_RewriteSeriesDisabled)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
