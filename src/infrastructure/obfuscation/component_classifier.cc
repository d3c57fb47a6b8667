#include "infrastructure/obfuscation/component_classifier.h"

#include <array>
#include <utility>

namespace vmx {

namespace {

// Metric prefixes only one component exposes. vm_rpc_* are vminsert's connections to vmstorage
// (labelled name="vminsert"); vm_vminsert_*/vm_vmselect_* are vmstorage's side of those links.
constexpr std::array<std::pair<std::string_view, std::string_view>, 14> kPrefixes = {{
    {"vmagent_", "vmagent"},
    {"vm_promscrape_", "vmagent"},
    {"vm_persistentqueue_", "vmagent"},
    {"vmalert_", "vmalert"},
    {"vmauth_", "vmauth"},
    {"vminsert_", "vminsert"},
    {"vm_rpc_", "vminsert"},
    {"vmselect_", "vmselect"},
    {"vm_vminsert_", "vmstorage"},
    {"vm_vmselect_", "vmstorage"},
    {"vmstorage_", "vmstorage"},
    {"vmbackupmanager_", "vmbackupmanager"},
    {"vmanomaly_", "vmanomaly"},
    {"vmsingle_", "vmsingle"},
}};

constexpr std::array<std::string_view, 9> kComponents = {
    "vmstorage", "vminsert",        "vmselect",  "vmagent", "vmalert",
    "vmauth",    "vmsingle", "vmbackupmanager", "vmanomaly"};

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

}  // namespace

std::string_view ComponentFromMetricName(std::string_view metric_name) {
  for (const auto& [prefix, component] : kPrefixes) {
    if (StartsWith(metric_name, prefix)) return component;
  }
  return {};
}

std::string_view ComponentFromVersion(std::string_view version) {
  // The version starts with the binary name, then "-<date>" ("vmstorage-20240101-…").
  if (StartsWith(version, "victoria-metrics-")) return "vmsingle";
  for (std::string_view component : kComponents) {
    if (StartsWith(version, component) && version.size() > component.size() &&
        version[component.size()] == '-') {
      return component;
    }
  }
  return {};
}

std::string NormalizeComponent(std::string_view component) {
  std::string lower;
  lower.reserve(component.size());
  for (char c : component) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    const bool plain = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
    if (!plain) return "unknown";
    lower += c;
  }
  if (lower.empty() || lower.size() > 32) return "unknown";
  if (lower == "victoria-metrics" || lower == "single" || lower == "single-node") return "vmsingle";
  return lower;
}

int ComponentNumber(std::string_view component) {
  for (size_t i = 0; i < kComponents.size(); ++i) {
    if (kComponents[i] == component) return static_cast<int>(i) + 1;
  }
  return 0;
}

}  // namespace vmx
