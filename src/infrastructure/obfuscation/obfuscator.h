// Obfuscator: replaces private values in a series' labels with deterministic pseudonyms
// (SPEC.md section 6). Shared by the export stream, /api/sample previews and the CLI.
//
// Thread-safe: RewriteSeries may be called from many threads; the same input always yields the
// same output for the lifetime of the object (and across runs when a key is configured).
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "domain/export_config.h"

namespace vmx {

// One label of a series; values are unescaped UTF-8.
struct Label {
  std::string name;
  std::string value;
};

class Obfuscator {
 public:
  explicit Obfuscator(const ObfuscationConfig& config);
  ~Obfuscator();

  // Tells which VictoriaMetrics component a job belongs to (from discovery); jobs not told are
  // classified by their metric names (vm_rpc_ -> vmstorage/vmselect…, vmagent_ -> vmagent…).
  // The job's customer words are learned (see LearnedTokens).
  void SetJobComponent(std::string_view job, std::string_view component);

  // Tells that `instance` (host[:port]) is a target of `component`, so its host keeps that
  // component's X wherever it is first seen (an `addr`, a flag value, a URL).
  void SetInstanceComponent(std::string_view instance, std::string_view component);

  // Learns the customer words of a value of the label `name` as the rules would replace it (an
  // identity label, a job), before the series that hold it arrive. Does nothing for labels that
  // stay as they are.
  void LearnValue(std::string_view name, std::string_view value);

  // Rewrites one series in place: drops the configured labels, replaces instance, job, identity
  // and custom labels, tenants, addresses by place, secret flag values, addresses hidden in other
  // values and learned customer words. Does nothing but drop labels when obfuscation is
  // disabled. Support labels (SupportLabels()) are never changed.
  void RewriteSeries(std::vector<Label>& labels);

  // Whether values of the label `name` are replaced by a pseudonym as a whole (identity, custom,
  // instance, job, tenant labels), i.e. worth learning from.
  bool ReplacesWholeValues(std::string_view name) const;

  // The pseudonym a job name gets (for metadata and README), e.g. "vmstorage-job-1".
  std::string PseudonymForJob(std::string_view job, std::string_view component);

  // How often each rule fired, per label; never contains an original value.
  nlohmann::json PrivacyReport() const;
  // original -> pseudonym, grouped by rule; only for the user (never in a bundle).
  nlohmann::json Mapping() const;
  // The rules in effect, for metadata (no mappings, no key).
  nlohmann::json Policy() const;

  // Returns free text (a selector, a query, a README line) with addresses, e-mails, credentials
  // and tenants replaced as in label values, and every job this object has pseudonymized
  // replaced where it appears in quotes. Unchanged when obfuscation is disabled.
  std::string ScrubText(std::string_view text);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace vmx
