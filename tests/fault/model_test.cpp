// The model-based test: random sequences of protocol calls run against the
// real server and against Model; after every step the server's reads of the
// session it touched, and session/list, must agree with the model. A
// disagreement fails with the sequence shrunk (steps removed while it still
// fails) to a short list of calls. AIEDITOR_MODEL_SEED replays a run,
// AIEDITOR_MODEL_SEQUENCES and AIEDITOR_MODEL_STEPS make it longer.
#include <catch2/catch.hpp>
#include <sstream>

#include "FaultSupport.h"
#include "Model.h"

using namespace aieditor::test;

namespace {

struct Outcome {
  std::string failure;  ///< "" when server and model agreed throughout
  std::size_t failedAt = 0;
  std::vector<std::string> calls;  ///< the calls made, readable
};

Outcome run(const std::vector<Step>& steps) {
  TempDir dir;
  ServerProcess server(serverOn(dir.file("model.db")));
  server.initialize(json::object());
  Model model;
  Outcome out;
  for (std::size_t i = 0; i < steps.size(); ++i) {
    const Step& step = steps[i];
    std::optional<json> source;
    if (step.method == "session/import") {
      auto response =
          server.tryWaitResponse(server.send("session/export", {{"sessionId", Model::sessionName(step.pick % 3)}}));
      if (response && response->contains("result")) source = (*response)["result"]["document"];
    }
    const Call call = model.resolve(step, static_cast<int>(i), source);
    if (call.skip) continue;
    json params = call.params;
    params.erase("again");
    std::string shown = params.dump();
    if (call.method == "session/import") {
      params["document"] = "<the export of " + call.params["document"]["session"]["id"].get<std::string>() + ">";
      shown = params.dump();
      params["document"] = call.params["document"];
    }
    out.calls.push_back(call.method + " " + shown);
    out.failedAt = i;
    auto response = server.tryWaitResponse(server.send(call.method, params));
    if (!response) {
      out.failure = "no response: the server ended or hung; its stderr:\n" + server.stderrText();
      return out;
    }
    if (response->contains("result") != call.expectOk) {
      out.failure = std::string("the model expected ") + (call.expectOk ? "success" : "a -32602 error") +
                    ", the server answered " + response->dump();
      return out;
    }
    if (!call.expectOk) {
      if ((*response)["error"]["code"] != -32602) out.failure = "expected -32602, got " + response->dump();
      if (!out.failure.empty()) return out;
      continue;
    }
    const json& result = (*response)["result"];
    out.failure = model.apply(call, result);
    const std::string touched = call.method == "session/import" ? result["sessionId"] : json(Model::sessionOf(call));
    if (out.failure.empty() && !touched.empty()) out.failure = compareWithServer(server, model, touched);
    if (!out.failure.empty()) return out;
  }
  return out;
}

/// Removes steps, in halves, then quarters... down to single steps, keeping
/// each removal after which the sequence still fails.
std::vector<Step> shrink(std::vector<Step> steps, Outcome& outcome) {
  steps.resize(outcome.failedAt + 1);
  constexpr int kMaxRuns = 300;
  int runs = 0;
  for (std::size_t chunk = std::max<std::size_t>(1, steps.size() / 2); chunk >= 1 && runs < kMaxRuns;) {
    bool removed = false;
    for (std::size_t start = 0; start < steps.size() && runs < kMaxRuns;) {
      std::vector<Step> candidate(steps.begin(), steps.begin() + static_cast<long>(start));
      candidate.insert(candidate.end(), steps.begin() + static_cast<long>(std::min(steps.size(), start + chunk)),
                       steps.end());
      ++runs;
      Outcome tried = run(candidate);
      if (!tried.failure.empty()) {
        candidate.resize(tried.failedAt + 1);
        steps = std::move(candidate);
        outcome = std::move(tried);
        removed = true;
      } else {
        start += chunk;
      }
    }
    if (!removed) {
      if (chunk == 1) break;
      chunk /= 2;
    }
  }
  return steps;
}

}  // namespace

TEST_CASE("random call sequences agree with the model, step by step", "[model]") {
  const unsigned seed = seedFrom("AIEDITOR_MODEL_SEED");
  const int sequences = countFrom("AIEDITOR_MODEL_SEQUENCES", 200, 4);
  const int length = countFrom("AIEDITOR_MODEL_STEPS", 50, 1);
  for (int n = 0; n < sequences; ++n) {
    std::mt19937 random(seed + static_cast<unsigned>(n));
    std::vector<Step> steps;
    for (int i = 0; i < length; ++i) steps.push_back(Step::random(random));
    Outcome outcome = run(steps);
    if (outcome.failure.empty()) continue;
    const std::string original = outcome.failure;
    const std::size_t originalLength = outcome.failedAt + 1;
    steps = shrink(std::move(steps), outcome);
    std::ostringstream report;
    report << "AIEDITOR_MODEL_SEED=" << seed << ", sequence " << n << ": the server and the model disagree after "
           << originalLength << " steps:\n  " << original << "\nShrunk to " << outcome.calls.size() << " calls:\n";
    for (std::size_t i = 0; i < outcome.calls.size(); ++i) report << "  " << i + 1 << ". " << outcome.calls[i] << "\n";
    report << "which fails with:\n  " << outcome.failure;
    FAIL(report.str());
  }
}
