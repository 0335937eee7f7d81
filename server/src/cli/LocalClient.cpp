#include "cli/LocalClient.h"

#include <iostream>
#include <nlohmann/json.hpp>

namespace aieditor::server {

using nlohmann::json;

namespace {

std::string errorText(const json& response) {
  const auto error = response.find("error");
  if (error == response.end() || !error->is_object()) return "the server's reply was not readable";
  return error->value("message", "unknown error");
}

}  // namespace

LocalClient::LocalClient(const ServerOptions& options)
    : server_(options, loop_, [this](std::string body) { outgoing(body); }) {}

std::expected<json, std::string> LocalClient::call(const std::string& method, json params) {
  return wait(send(method, std::move(params)));
}

int LocalClient::send(const std::string& method, json params) {
  const int id = nextId_++;
  server_.receive(json{{"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", std::move(params)}}.dump());
  // The server answers a message it could not read at once, with id null:
  // that answer is this request's.
  if (stray_) {
    responses_[id] = std::move(*stray_);
    stray_.reset();
  }
  return id;
}

std::expected<json, std::string> LocalClient::wait(int id) {
  while (!responses_.contains(id)) {
    if (stray_) {
      const json stray = json::parse(*stray_, nullptr, /*allow_exceptions=*/false);
      stray_.reset();
      return std::unexpected(errorText(stray));
    }
    if (!loop_.runOne()) return std::unexpected("the server stopped without answering request " + std::to_string(id));
  }
  const json response = json::parse(responses_[id], nullptr, /*allow_exceptions=*/false);
  responses_.erase(id);
  if (!response.is_object() || response.contains("error")) return std::unexpected(errorText(response));
  return response["result"];
}

void LocalClient::notify(const std::string& method, json params) {
  server_.receive(json{{"jsonrpc", "2.0"}, {"method", method}, {"params", std::move(params)}}.dump());
}

void LocalClient::outgoing(const std::string& body) {
  json message = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (message.is_object() && message.contains("method")) {
    if (onNotification) onNotification(message["method"], message.value("params", json::object()));
  } else if (message.is_object() && message.contains("id") && message["id"].is_number_integer()) {
    responses_[message["id"].get<int>()] = body;
  } else {
    stray_ = body;
  }
}

int fail(const std::string& message) {
  std::cerr << "aieditor: " << message << '\n';
  return 1;
}

std::expected<json, std::string> start(LocalClient& client) {
  auto init = client.call("initialize", {{"processId", nullptr}, {"clientInfo", {{"name", "aieditor-cli"}}}});
  if (init) client.notify("initialized", json::object());
  return init;
}

int stop(LocalClient& client) {
  (void)client.call("shutdown", nullptr);
  return client.close();
}

}  // namespace aieditor::server
