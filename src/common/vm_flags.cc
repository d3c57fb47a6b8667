#include "common/vm_flags.h"

#include <fmt/format.h>

#include <algorithm>
#include <iostream>

#include "common/version.h"

namespace vmx {
namespace {

const CLI::Option* FindLongOption(const CLI::App& app, const std::string& name) {
  for (const CLI::Option* opt : app.get_options()) {
    const auto& names = opt->get_lnames();
    if (std::find(names.begin(), names.end(), name) != names.end()) return opt;
  }
  return nullptr;
}

bool TakesValue(const CLI::Option* opt) { return opt->get_expected_min() > 0; }

std::string TypeWord(const CLI::Option* opt) {
  if (!TakesValue(opt)) return "";
  std::string t = opt->get_type_name();
  if (t == "INT" || t == "UINT") return "int";
  if (t == "FLOAT") return "float";
  if (opt->get_expected_max() > 1) return "array";
  return "string";
}

}  // namespace

std::vector<std::string> NormalizeVmStyleArgs(const CLI::App& app, std::vector<std::string> args) {
  std::vector<std::string> out;
  out.reserve(args.size());
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--") {  // everything after is positional
      out.insert(out.end(), args.begin() + static_cast<long>(i), args.end());
      break;
    }
    if (a.size() < 2 || a[0] != '-') {
      out.push_back(a);
      continue;
    }
    const size_t dashes = a[1] == '-' ? 2 : 1;
    const size_t eq = a.find('=');
    const std::string name = a.substr(dashes, eq == std::string::npos ? std::string::npos : eq - dashes);
    const CLI::Option* opt = FindLongOption(app, name);
    if (opt == nullptr) {
      out.push_back(a);
      continue;
    }
    if (eq != std::string::npos) {
      out.push_back("--" + name + a.substr(eq));
    } else if (TakesValue(opt) && i + 1 < args.size()) {
      // Glue the value on, so a value that starts with '-' (like -24h) is never taken for a flag.
      out.push_back("--" + name + "=" + args[++i]);
    } else {
      out.push_back("--" + name);
    }
  }
  return out;
}

std::string VmStyleHelp(const CLI::App& app, const std::string& usage_line) {
  std::vector<const CLI::Option*> opts;
  for (const CLI::Option* opt : app.get_options()) {
    if (!opt->get_lnames().empty()) opts.push_back(opt);
  }
  std::sort(opts.begin(), opts.end(), [](const CLI::Option* a, const CLI::Option* b) {
    return a->get_lnames().front() < b->get_lnames().front();
  });
  std::string out = usage_line + "\n\n";
  if (!app.get_description().empty()) out += app.get_description() + "\n\n";
  out += "Flags:\n";
  for (const CLI::Option* opt : opts) {
    const std::string type = TypeWord(opt);
    out += fmt::format("  -{}{}\n", opt->get_lnames().front(), type.empty() ? "" : " " + type);
    std::string desc = opt->get_description();
    if (!opt->get_envname().empty()) desc += fmt::format(" (env {})", opt->get_envname());
    const std::string def = opt->get_default_str();
    if (!TakesValue(opt)) {
      // A boolean flag: say which way it goes when not given (-flag=false turns a true one off).
      if (opt->get_lnames().front() != "help" && opt->get_lnames().front() != "version") {
        desc += fmt::format(" (default {})", def == "true" ? "true" : "false");
      }
    } else if (!def.empty() && def != "0" && def != "false") {
      desc += fmt::format(" (default \"{}\")", def);
    }
    out += fmt::format("    \t{}\n", desc);
  }
  for (const CLI::App* sub : app.get_subcommands({})) {
    out += fmt::format("\n  {}\t{}", sub->get_name(), sub->get_description());
  }
  return out;
}

namespace {

// Flags whose value is a secret: on the command line, any local user reads it in `ps`.
constexpr std::string_view kSecretFlags[] = {"password", "bearer-token", "header",
                                             "obfuscation-key"};

// One stderr line for each secret given as a flag, naming the environment variable to use instead.
void WarnSecretsGivenAsFlags(const CLI::App& app, const std::vector<std::string>& normalized) {
  for (std::string_view name : kSecretFlags) {
    const std::string flag = "--" + std::string(name);
    const CLI::Option* opt = app.get_option_no_throw(flag);
    if (opt == nullptr || opt->get_envname().empty()) continue;
    for (const std::string& arg : normalized) {
      if (arg == flag || arg.rfind(flag + "=", 0) == 0) {
        std::cerr << "warning: -" << name
                  << " on the command line is visible to other local users (ps); set "
                  << opt->get_envname() << " instead\n";
        break;
      }
    }
  }
}

}  // namespace

std::optional<int> ParseVmFlags(CLI::App& app, const std::vector<std::string>& args,
                                const std::string& usage_line) {
  app.set_help_flag();
  bool help = false;
  bool version = false;
  app.add_flag("--help,-h", help, "Show these flags and exit");
  app.add_flag("--version", version, "Show the version and exit");
  const std::vector<std::string> given = NormalizeVmStyleArgs(app, args);
  std::vector<std::string> norm(given.rbegin(), given.rend());  // CLI11 takes them reversed
  // and consumes them while parsing
  try {
    app.parse(norm);
  } catch (const CLI::ParseError& e) {
    if (help) {
      std::cout << VmStyleHelp(app, usage_line);
      return 0;
    }
    std::cerr << "error: " << e.what() << "\nrun with -help to see every flag\n";
    return 2;
  }
  if (help) {
    std::cout << VmStyleHelp(app, usage_line);
    return 0;
  }
  if (version) {
    std::cout << app.get_name() << " " << Version() << "\n";
    return 0;
  }
  WarnSecretsGivenAsFlags(app, given);
  return std::nullopt;
}

}  // namespace vmx
