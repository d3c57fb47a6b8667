#include "infrastructure/obfuscation/pseudonym_numbering.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <mutex>

namespace vmx {

PseudonymNumbering::PseudonymNumbering(std::string key, std::string name_space, uint64_t space)
    : key_(std::move(key)), name_space_(std::move(name_space)), space_(space < 1 ? 1 : space) {}

uint64_t PseudonymNumbering::KeyedCandidate(std::string_view value, uint64_t attempt) const {
  // namespace \0 value [\0 attempt]: the separators keep ("a","b\0c") and ("a\0b","c") apart.
  std::string message;
  message.reserve(name_space_.size() + value.size() + 24);
  message += name_space_;
  message += '\0';
  message += value;
  if (attempt > 0) {
    message += '\0';
    message += std::to_string(attempt);
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_len = 0;
  HMAC(EVP_sha256(), key_.data(), static_cast<int>(key_.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(), digest,
       &digest_len);
  uint64_t n = 0;
  for (int i = 0; i < 8; ++i) n = (n << 8) | digest[i];
  return 1 + n % space_;
}

uint64_t PseudonymNumbering::NumberFor(std::string_view value) {
  {
    std::shared_lock lock(mu_);
    auto it = numbers_.find(value);
    if (it != numbers_.end()) return it->second;
  }
  // Computed outside the exclusive lock: HMAC is the slow part and needs no shared state.
  const uint64_t first = key_.empty() ? 0 : KeyedCandidate(value, 0);
  std::unique_lock lock(mu_);
  auto it = numbers_.find(value);
  if (it != numbers_.end()) return it->second;
  uint64_t n;
  if (key_.empty()) {
    n = next_++;
  } else {
    if (taken_.size() >= space_) {
      n = space_ + taken_.size() + 1;  // space exhausted: numbers beyond it stay unique
    } else {
      n = first;
      for (uint64_t attempt = 1; taken_.count(n) != 0; ++attempt) {
        n = KeyedCandidate(value, attempt);
      }
    }
    taken_.insert(n);
  }
  numbers_.emplace(std::string(value), n);
  return n;
}

std::vector<std::pair<std::string, uint64_t>> PseudonymNumbering::Assigned() const {
  std::vector<std::pair<std::string, uint64_t>> out;
  {
    std::shared_lock lock(mu_);
    out.assign(numbers_.begin(), numbers_.end());
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.second < b.second; });
  return out;
}

size_t PseudonymNumbering::size() const {
  std::shared_lock lock(mu_);
  return numbers_.size();
}

}  // namespace vmx
