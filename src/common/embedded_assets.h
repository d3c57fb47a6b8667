// Web assets compiled into a binary by cmake/embed_assets_script.cmake.
#pragma once

#include <span>
#include <string_view>

namespace vmx {

// One embedded file: its URL path ("/index.html"), content type and bytes.
struct EmbeddedAsset {
  std::string_view path;
  std::string_view content_type;
  std::string_view data;
};

}  // namespace vmx

// The exporter wizard's files (web/exporter), linked into vmexporter.
std::span<const vmx::EmbeddedAsset> ExporterAssets();
// The importer page's files (web/importer), linked into vmimport.
std::span<const vmx::EmbeddedAsset> ImporterAssets();
