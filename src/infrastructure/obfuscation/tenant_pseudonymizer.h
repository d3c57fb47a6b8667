// TenantPseudonymizer: replaces tenant IDs (vm_account_id, vm_project_id labels and the
// <accountID>[:<projectID>] part of /insert/, /select/, /delete/ paths) with other numbers, so
// values stay valid tenant IDs; accounts and projects are numbered separately.
//
// Thread-safe.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

#include "infrastructure/obfuscation/pseudonym_numbering.h"

namespace vmx {

class TenantPseudonymizer {
 public:
  // `key` as in PseudonymNumbering.
  explicit TenantPseudonymizer(std::string key);

  // The pseudonym of an account ID ("1011" -> "1").
  std::string Account(std::string_view account_id);
  // The pseudonym of a project ID.
  std::string Project(std::string_view project_id);

  // {"accounts": {original: pseudonym}, "projects": {...}}.
  nlohmann::json Mapping() const;

 private:
  PseudonymNumbering accounts_;
  PseudonymNumbering projects_;
};

}  // namespace vmx
