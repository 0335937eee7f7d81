#include "providers/CurlLibrary.h"

#include <dlfcn.h>

#include <mutex>

namespace aieditor::server {
namespace {

template <class Fn>
bool bind(void* handle, Fn& slot, const char* name, std::string& error) {
  slot = reinterpret_cast<Fn>(::dlsym(handle, name));
  if (!slot) error = std::string("libcurl lacks ") + name;
  return slot != nullptr;
}

std::expected<const CurlLibrary*, std::string> open() {
  void* handle = ::dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
  if (!handle) return std::unexpected(std::string("cannot load libcurl: ") + ::dlerror());
  static CurlLibrary lib;
  std::string error;
  const bool ok = bind(handle, lib.global_init, "curl_global_init", error) &&
                  bind(handle, lib.easy_init, "curl_easy_init", error) &&
                  bind(handle, lib.easy_setopt, "curl_easy_setopt", error) &&
                  bind(handle, lib.easy_getinfo, "curl_easy_getinfo", error) &&
                  bind(handle, lib.easy_cleanup, "curl_easy_cleanup", error) &&
                  bind(handle, lib.easy_perform, "curl_easy_perform", error) &&
                  bind(handle, lib.easy_strerror, "curl_easy_strerror", error) &&
                  bind(handle, lib.multi_init, "curl_multi_init", error) &&
                  bind(handle, lib.multi_add_handle, "curl_multi_add_handle", error) &&
                  bind(handle, lib.multi_remove_handle, "curl_multi_remove_handle", error) &&
                  bind(handle, lib.multi_perform, "curl_multi_perform", error) &&
                  bind(handle, lib.multi_poll, "curl_multi_poll", error) &&
                  bind(handle, lib.multi_info_read, "curl_multi_info_read", error) &&
                  bind(handle, lib.multi_cleanup, "curl_multi_cleanup", error) &&
                  bind(handle, lib.slist_append, "curl_slist_append", error) &&
                  bind(handle, lib.slist_free_all, "curl_slist_free_all", error);
  if (!ok) return std::unexpected(error);
  if (lib.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) return std::unexpected(std::string("curl_global_init failed"));
  return &lib;
}

}  // namespace

std::expected<const CurlLibrary*, std::string> loadCurl() {
  static std::once_flag once;
  static std::expected<const CurlLibrary*, std::string> loaded = std::unexpected(std::string());
  std::call_once(once, [] { loaded = open(); });
  return loaded;
}

}  // namespace aieditor::server
