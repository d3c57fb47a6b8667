#include "domain/json_fields.h"

#include <fmt/format.h>

namespace vmx::json_fields {
namespace {

const nlohmann::json* Find(const nlohmann::json& obj, const char* key) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return nullptr;
  return &*it;
}

Status TypeError(const std::string& path, const char* key, const char* want) {
  return Status::InvalidArgument(fmt::format("{}{} must be {}", path, key, want));
}

}  // namespace

Status ReadString(const nlohmann::json& obj, const char* key, const std::string& path,
                  std::string* out) {
  const nlohmann::json* v = Find(obj, key);
  if (v == nullptr) return Status::Ok();
  if (!v->is_string()) return TypeError(path, key, "a string");
  *out = v->get<std::string>();
  return Status::Ok();
}

Status ReadBool(const nlohmann::json& obj, const char* key, const std::string& path, bool* out) {
  const nlohmann::json* v = Find(obj, key);
  if (v == nullptr) return Status::Ok();
  if (!v->is_boolean()) return TypeError(path, key, "true or false");
  *out = v->get<bool>();
  return Status::Ok();
}

Status ReadInt(const nlohmann::json& obj, const char* key, const std::string& path,
               int64_t* out) {
  const nlohmann::json* v = Find(obj, key);
  if (v == nullptr) return Status::Ok();
  if (v->is_number_integer() || v->is_number_unsigned()) {
    *out = v->get<int64_t>();
    return Status::Ok();
  }
  if (v->is_number_float()) {
    const double d = v->get<double>();
    // Range first: casting a double outside int64 is undefined behaviour.
    if (d >= -9.2e18 && d <= 9.2e18 && d == static_cast<double>(static_cast<int64_t>(d))) {
      *out = static_cast<int64_t>(d);
      return Status::Ok();
    }
  }
  return TypeError(path, key, "a whole number");
}

Status ReadStringList(const nlohmann::json& obj, const char* key, const std::string& path,
                      std::vector<std::string>* out) {
  const nlohmann::json* v = Find(obj, key);
  if (v == nullptr) return Status::Ok();
  if (!v->is_array()) return TypeError(path, key, "a list of strings");
  std::vector<std::string> items;
  for (size_t i = 0; i < v->size(); ++i) {
    if (!(*v)[i].is_string()) {
      return Status::InvalidArgument(fmt::format("{}{}[{}] must be a string", path, key, i));
    }
    items.push_back((*v)[i].get<std::string>());
  }
  *out = std::move(items);
  return Status::Ok();
}

Result<const nlohmann::json*> ReadObject(const nlohmann::json& obj, const char* key,
                                         const std::string& path) {
  const nlohmann::json* v = Find(obj, key);
  if (v == nullptr) return static_cast<const nlohmann::json*>(nullptr);
  if (!v->is_object()) return TypeError(path, key, "an object");
  return v;
}

}  // namespace vmx::json_fields
