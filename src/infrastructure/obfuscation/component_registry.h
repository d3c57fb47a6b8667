// ComponentRegistry: decides once which component the series of a job (or of a job-less
// instance) belong to, so every series of one target gets the same X and job pseudonym.
//
// A job told by discovery keeps that component; a job not told is decided the first time it is
// seen, from that series' metric name (see ComponentFromMetricName), and then never changes.
// Thread-safe.
#pragma once

#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace vmx {

class ComponentRegistry {
 public:
  // Records the component of `job` unless the job was already decided.
  void Tell(std::string_view job, std::string_view component);

  // The component of `job`; decides it from `guess` ("" -> "unknown") on first sight.
  std::string ComponentOfJob(std::string_view job, std::string_view guess);

  // The component of a series without a job label, decided per `instance` the same way.
  std::string ComponentOfInstance(std::string_view instance, std::string_view guess);

 private:
  struct TransparentHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  using Table = std::unordered_map<std::string, std::string, TransparentHash, std::equal_to<>>;
  std::string Decide(Table& table, std::string_view name, std::string_view guess);

  std::shared_mutex mu_;
  Table jobs_;
  Table instances_;
};

}  // namespace vmx
