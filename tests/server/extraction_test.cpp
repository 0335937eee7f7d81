// Component extraction and the offline provider's output, in process.
#include <catch2/catch.hpp>

#include "workspace/ComponentExtraction.h"
#include "providers/OfflineProvider.h"

using namespace aieditor::server;

TEST_CASE("the JSX and CSS fences of a reply become a component") {
  auto c = extractComponent(
      "Sure!\n\n```tsx\nconst Hero = () => <h1>Hi</h1>;\nexport default Hero;\n```\n\nStyles:\n~~~css\nh1 { color: red; }\n~~~\n");
  REQUIRE(c);
  CHECK(c->name == "Hero");
  CHECK(c->jsx == "const Hero = () => <h1>Hi</h1>;\nexport default Hero;\n");
  CHECK(c->css == "h1 { color: red; }\n");

  CHECK_FALSE(extractComponent("No code here, only prose."));
  CHECK_FALSE(extractComponent("```python\nprint(1)\n```"));
  auto untagged = extractComponent("```\nexport default function Card() { return <div/>; }\n```");
  REQUIRE(untagged);
  CHECK(untagged->name == "Card");
  auto cssOnly = extractComponent("```css\n.a{}\n```");
  REQUIRE(cssOnly);
  CHECK(cssOnly->jsx.empty());
  CHECK(cssOnly->name == "Component");
  // A reply cut off inside its last block still yields what arrived.
  auto cut = extractComponent("```jsx\nfunction Cut() { return <p/> }\n");
  REQUIRE(cut);
  CHECK(cut->name == "Cut");
}

TEST_CASE("prompts that refer to the current component iterate on it") {
  for (const char* p : {"make it blue", "Add a footer to it", "change the title", "now with a shadow",
                        "this needs more padding", "Use a darker background"})
    CHECK(looksLikeIteration(p));
  for (const char* p : {"a pricing card", "Create a login form", "a new component for the header",
                        "a navbar with links", "Another component from scratch"})
    CHECK_FALSE(looksLikeIteration(p));
}

TEST_CASE("the offline provider writes a deterministic component named after the prompt") {
  ProviderRequest request;
  request.prompt = "A profile card with an avatar and a follow button";
  const std::string reply = offlineReply(request);
  CHECK(reply == offlineReply(request));
  auto c = extractComponent(reply);
  REQUIRE(c);
  CHECK(c->name == "ProfileCardAvatar");
  CHECK_THAT(c->jsx, Catch::Contains("export default function ProfileCardAvatar("));
  CHECK_THAT(c->jsx, Catch::Contains("profile-card-avatar__image"));
  CHECK_THAT(c->jsx, Catch::Contains(">Follow</button>"));
  CHECK_THAT(c->css, Catch::Contains(".profile-card-avatar__button"));
  // Balanced braces and parentheses: the JSX is at least well formed.
  for (auto [open, close] : {std::pair{'{', '}'}, std::pair{'(', ')'}})
    CHECK(std::count(c->jsx.begin(), c->jsx.end(), open) == std::count(c->jsx.begin(), c->jsx.end(), close));

  // The prompt is never pasted into the component.
  ProviderRequest quoted;
  quoted.prompt = "a banner that says \"hello\" {world} <b>";
  auto q = extractComponent(offlineReply(quoted));
  REQUIRE(q);
  CHECK_THAT(q->jsx, !Catch::Contains("that says") && !Catch::Contains("{world}") && !Catch::Contains("<b>"));
}

TEST_CASE("iterating keeps the component's name, parts and colour unless asked") {
  ProviderRequest first;
  first.prompt = "a todo list in green";
  auto v1 = extractComponent(offlineReply(first));
  REQUIRE(v1);
  ProviderRequest next;
  next.prompt = "add a button to it";
  next.current = aieditor::protocol::Component{.id = "c", .sessionId = "s", .name = v1->name, .jsx = v1->jsx, .css = v1->css};
  auto v2 = extractComponent(offlineReply(next));
  REQUIRE(v2);
  CHECK(v2->name == v1->name);
  CHECK_THAT(v2->jsx, Catch::Contains("__list"));
  CHECK_THAT(v2->jsx, Catch::Contains("__button"));
  CHECK_THAT(v2->css, Catch::Contains("#16a34a"));
}
