// Typed reads of optional JSON object fields whose errors name the field ("time_range.start must
// be a string"). Missing or null fields leave the output untouched; unknown fields are ignored.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "common/status.h"

namespace vmx::json_fields {

Status ReadString(const nlohmann::json& obj, const char* key, const std::string& path,
                  std::string* out);
Status ReadBool(const nlohmann::json& obj, const char* key, const std::string& path, bool* out);
Status ReadInt(const nlohmann::json& obj, const char* key, const std::string& path, int64_t* out);
Status ReadStringList(const nlohmann::json& obj, const char* key, const std::string& path,
                      std::vector<std::string>* out);
// Returns the object at `key`, or nullptr when absent/null; an error when it is not an object.
Result<const nlohmann::json*> ReadObject(const nlohmann::json& obj, const char* key,
                                         const std::string& path);

}  // namespace vmx::json_fields
