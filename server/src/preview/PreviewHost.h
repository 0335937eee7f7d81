// The live preview as the editor server sees it: started on the first
// preview/open (nothing of it runs before), it loads the aieditor-preview
// module, makes the URL's secret and answers the module's data routes.
//
// Reads go through a read connection of the preview's own, on the HTTP
// server's worker threads, not through the event loop: a page loading or
// many pages following a session never hold up the editor's requests, and
// the loop's only part is telling the server which session was written
// (sessionChanged, a counter and a wake-up). In WAL mode that connection
// sees every commit and never waits for a writer.
#pragma once

#include <chrono>
#include <expected>
#include <memory>
#include <mutex>
#include <string>

#include "aieditor/protocol/Protocol.h"
#include "preview/PreviewServer.h"

namespace aieditor::server {

class Store;

class PreviewHost final : public preview::PreviewSource {
 public:
  /// Loads the module and starts its server; the error says what is missing.
  static std::expected<std::unique_ptr<PreviewHost>, std::string> start(std::string databasePath,
                                                                        std::chrono::milliseconds busyTimeout);
  ~PreviewHost() override;

  /// http://127.0.0.1:PORT/SECRET/?session=...[&component=...][&version=N]
  std::string url(const protocol::PreviewOpenParams&) const;
  /// A write of `sessionId` committed (or sync pulled one): pages following it look again.
  void sessionChanged(const std::string& sessionId);
  /// Accepts `host` as a Host header from now on (preview/open's proxyHost).
  void allowHost(const std::string& host);

  preview::PreviewReply fetch(std::string_view route, const std::map<std::string, std::string>& query) override;

 private:
  PreviewHost(std::string databasePath, std::chrono::milliseconds busyTimeout, std::string secret);
  preview::PreviewReply component(Store&, const std::map<std::string, std::string>& query);
  preview::PreviewReply versions(Store&, const std::map<std::string, std::string>& query);
  preview::PreviewReply state(Store&, const std::map<std::string, std::string>& query);

  const std::string databasePath_;
  const std::chrono::milliseconds busyTimeout_;
  const std::string secret_;
  std::mutex storeMutex_;                           ///< the worker threads share one read connection
  std::unique_ptr<Store> store_;                    ///< opened on the first read
  std::unique_ptr<preview::PreviewServer> server_;  ///< last member: stopped first, before what it reads
};

}  // namespace aieditor::server
