// The model-based test's two halves: `Step`, one protocol call drawn at
// random and resolved against the model when it runs (so a shortened
// sequence still makes sense), and `Model`, a plain in-memory account of
// what the server should hold, which predicts each call's outcome and is
// compared with what the server reads back.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <string>
#include <vector>

namespace aieditor::test {

using nlohmann::json;

struct Step {
  std::string method;
  int session = 0;  ///< index into the few session ids the test uses
  int pick = 0;     ///< which component, version, source... resolved when run
  int variant = 0;  ///< which content, role, prompt...

  static Step random(std::mt19937&);
};

/// What a step asks of the server and what the model expects of it.
struct Call {
  std::string method;
  json params;
  bool expectOk = true;  ///< false: a -32602 naming the problem
  bool skip = false;     ///< nothing to do in this state (e.g. importing a missing session)
};

class Model {
 public:
  struct Session {
    std::string title;
    std::vector<json> messages;      ///< {id, role, content, status}
    std::vector<json> interactions;  ///< {id, prompt, response, provider, model, status}
    std::vector<std::string> componentOrder;
    std::map<std::string, std::vector<json>> versions;  ///< id -> [{name, jsx, css}], version i+1 at i
    std::string current;                                ///< "" for none
  };

  /// The call `step` makes in the current state; `counter` makes fresh ids.
  Call resolve(const Step& step, int counter, const std::optional<json>& sourceExport) const;
  /// Applies an accepted call with the server's reply; "" when the reply agrees, else why not.
  std::string apply(const Call& call, const json& result);

  const std::map<std::string, Session>& sessions() const { return sessions_; }
  static std::string sessionName(int index);
  /// The session a resolved call names ("" for none; an import's target may be chosen by the server).
  static std::string sessionOf(const Call& call);

 private:
  std::string saveVersion(Session& s, const std::string& id, const std::optional<std::string>& name,
                          const std::string& jsx, const std::string& css, const json& reply);
  Session& create(const std::string& id);
  void addMessage(Session& s, json message);

  std::map<std::string, Session> sessions_;
};

class ServerProcess;

/// Compares the server's reads of `sessionId` (session/open, components/list,
/// the export, histories) and session/list with the model; "" when they agree.
std::string compareWithServer(ServerProcess& server, const Model& model, const std::string& sessionId);

}  // namespace aieditor::test
