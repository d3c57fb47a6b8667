// ShardedStringMap: a string-keyed hash map split into shards with one reader-writer lock each,
// so many threads can look up cached pseudonyms at once with little contention.
//
// Thread-safe. Values are never changed once stored (first insert wins).
#pragma once

#include <array>
#include <cstddef>
#include <functional>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

namespace vmx {

template <typename V>
class ShardedStringMap {
 public:
  // Calls fn(const V&) under a shared lock if `key` is present; returns whether it was.
  template <typename Fn>
  bool Visit(std::string_view key, Fn&& fn) const {
    const size_t h = Hash(key);
    const Shard& shard = shards_[ShardOf(h)];
    std::shared_lock lock(shard.mu);
    auto it = shard.map.find(key);
    if (it == shard.map.end()) return false;
    fn(it->second);
    return true;
  }

  // Stores `value` for `key` unless a value is already there; calls fn(const V& stored) under the
  // lock and returns true iff this call inserted.
  template <typename Fn>
  bool Insert(std::string_view key, V value, Fn&& fn) {
    const size_t h = Hash(key);
    Shard& shard = shards_[ShardOf(h)];
    std::unique_lock lock(shard.mu);
    auto [it, inserted] = shard.map.try_emplace(std::string(key), std::move(value));
    fn(it->second);
    return inserted;
  }

  // Number of entries (a snapshot; other threads may be inserting).
  size_t size() const {
    size_t n = 0;
    for (const Shard& shard : shards_) {
      std::shared_lock lock(shard.mu);
      n += shard.map.size();
    }
    return n;
  }

  // Calls fn(key, value) for every entry, shard by shard (order unspecified).
  template <typename Fn>
  void ForEach(Fn&& fn) const {
    for (const Shard& shard : shards_) {
      std::shared_lock lock(shard.mu);
      for (const auto& [k, v] : shard.map) fn(k, v);
    }
  }

 private:
  struct TransparentHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  // Own cache line per shard so readers of different shards do not share one.
  struct alignas(64) Shard {
    mutable std::shared_mutex mu;
    std::unordered_map<std::string, V, TransparentHash, std::equal_to<>> map;
  };
  static constexpr size_t kShards = 64;

  static size_t Hash(std::string_view key) { return std::hash<std::string_view>{}(key); }
  // The map uses the low bits of the same hash for buckets; take the shard from the high bits.
  static size_t ShardOf(size_t h) { return (h * 0x9E3779B97F4A7C15ull) >> 58; }

  std::array<Shard, kShards> shards_;
};

}  // namespace vmx
