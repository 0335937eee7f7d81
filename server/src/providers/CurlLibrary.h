// libcurl, loaded on first use. Linking it would make every start pay for
// ~30 shared libraries (about 4 ms and 6 MiB measured), though the default
// offline provider never uses the network; so only the network providers load
// it. The function types come from <curl/curl.h> itself, so calls stay typed.
#pragma once

#define CURL_DISABLE_TYPECHECK  // the type-check macros would hide the names below
#include <curl/curl.h>

#include <expected>
#include <string>

namespace aieditor::server {

struct CurlLibrary {
  decltype(&::curl_global_init) global_init;
  decltype(&::curl_easy_init) easy_init;
  decltype(&::curl_easy_setopt) easy_setopt;
  decltype(&::curl_easy_getinfo) easy_getinfo;
  decltype(&::curl_easy_cleanup) easy_cleanup;
  decltype(&::curl_easy_perform) easy_perform;
  decltype(&::curl_easy_strerror) easy_strerror;
  decltype(&::curl_multi_init) multi_init;
  decltype(&::curl_multi_add_handle) multi_add_handle;
  decltype(&::curl_multi_remove_handle) multi_remove_handle;
  decltype(&::curl_multi_perform) multi_perform;
  decltype(&::curl_multi_poll) multi_poll;
  decltype(&::curl_multi_info_read) multi_info_read;
  decltype(&::curl_multi_cleanup) multi_cleanup;
  decltype(&::curl_slist_append) slist_append;
  decltype(&::curl_slist_free_all) slist_free_all;
};

/// Loads libcurl once (and runs curl_global_init); the error says why not.
std::expected<const CurlLibrary*, std::string> loadCurl();

}  // namespace aieditor::server
