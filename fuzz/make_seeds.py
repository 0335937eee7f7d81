#!/usr/bin/env python3
# Writes the seed corpus: python3 fuzz/make_seeds.py fuzz/corpus. Seeds are hand-made
# valid (and a few invalid) inputs of each target; the fuzzers mutate from them.
import json, os, sys
root = sys.argv[1]
def w(target, name, data):
    d = os.path.join(root, target); os.makedirs(d, exist_ok=True)
    open(os.path.join(d, name), 'wb').write(data if isinstance(data, bytes) else data.encode())
def frame(obj):
    body = obj if isinstance(obj, str) else json.dumps(obj, separators=(',', ':'))
    b = body.encode()
    return b"Content-Length: %d\r\n\r\n" % len(b) + b
def req(i, method, params): return {"jsonrpc": "2.0", "id": i, "method": method, "params": params}
def note(method, params): return {"jsonrpc": "2.0", "method": method, "params": params}

TS = "2025-03-01T12:00:00.000Z"
msg_f = {"id": "m1", "sessionId": "s", "role": "user", "content": "A pricing card", "createdAt": TS, "status": "complete"}
msg_b = {"id": "m1", "session_id": "s", "role": "assistant", "content": "Here it is", "created_at": TS, "status": "complete",
         "interaction_id": "i1", "component_id": "c1",
         "images": [{"mime_type": "image/png", "data": "iVBORw0KGgo="}]}
inter_f = {"id": "i1", "sessionId": "s", "prompt": "A card", "response": "```jsx\nfunction Card(){}\n```", "provider": "offline",
           "model": "offline-1", "status": "complete", "createdAt": TS, "durationMs": 12,
           "usage": {"inputTokens": 120, "outputTokens": 410}, "metadata": {"temperature": 0.2}}
inter_b = {"id": "i1", "session_id": "s", "prompt": "A card", "response": "x", "provider": "openai", "model": "gpt-4o-mini",
           "status": "failed", "created_at": TS, "duration_ms": 3, "error": "HTTP 500", "metadata": {}}
comp_f = {"id": "c1", "sessionId": "s", "name": "PricingCard", "jsx": "function PricingCard(){return <div/>}", "css": ".a{}",
          "version": 2, "createdAt": TS, "updatedAt": TS, "metadata": {"tags": ["a"]}}
comp_b = {"id": "c1", "session_id": "s", "name": "PricingCard", "jsx": "function PricingCard(){}", "css": "",
          "version": 1, "created_at": TS, "updated_at": TS, "metadata": {}}

# converters: first byte picks the converter (0..5: message to backend/frontend, interaction, component)
for i, (name, v) in enumerate([("message-frontend", msg_f), ("message-backend", msg_b), ("interaction-frontend", inter_f),
                               ("interaction-backend", inter_b), ("component-frontend", comp_f), ("component-backend", comp_b)]):
    w("converters", name, bytes([i]) + json.dumps(v).encode())
w("converters", "message-frontend-images", bytes([0]) + json.dumps(dict(msg_f, images=[{"mimeType": "image/webp", "data": "AAAA"}], role="system")).encode())
w("converters", "interaction-frontend-interrupted", bytes([2]) + json.dumps(dict(inter_f, status="interrupted", error="cancelled")).encode())
w("converters", "wrong-type", bytes([1]) + b'{"id":7,"role":"robot","created_at":"yesterday"}')

# session/import documents
doc = {"format": "aieditor.session", "schema_version": 1,
       "session": {"id": "demo", "title": "A pricing card", "created_at": TS, "updated_at": TS, "current_component_id": "c1"},
       "messages": [dict(msg_b, session_id="demo", role="user", content="A pricing card", interaction_id=None, component_id=None, images=[]),
                    dict(msg_b, id="m2", session_id="demo")],
       "interactions": [dict(inter_b, session_id="demo", status="complete", error=None, usage={"input_tokens": 1, "output_tokens": 2})],
       "components": [dict(comp_b, session_id="demo"), dict(comp_b, session_id="demo", version=2, jsx="function PricingCard(){return 1}")]}
def clean(o):
    if isinstance(o, dict): return {k: clean(v) for k, v in o.items() if v is not None}
    if isinstance(o, list): return [clean(v) for v in o]
    return o
doc = clean(doc)
w("session_import", "full", json.dumps(doc, indent=1))
w("session_import", "empty-session", json.dumps({"format": "aieditor.session", "schema_version": 1,
    "session": {"id": "e", "title": "", "created_at": TS, "updated_at": TS}, "messages": [], "interactions": [], "components": []}))
w("session_import", "newer-schema", json.dumps(dict(doc, schema_version=99)))
w("session_import", "unicode", json.dumps(dict(doc, session=dict(doc["session"], title="caf\u00e9 \U0001F600 \u2028"))))

# sse: first byte: bit 0 picks the decoder (0 OpenAI, 1 Anthropic), the rest the chunk size
openai = "".join("data: %s\n\n" % json.dumps(c) for c in [
    {"id": "x", "object": "chat.completion.chunk", "model": "gpt-4o-mini", "choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}}]},
    {"id": "x", "object": "chat.completion.chunk", "model": "gpt-4o-mini", "choices": [{"index": 0, "delta": {"content": "Hello "}}]},
    {"id": "x", "object": "chat.completion.chunk", "model": "gpt-4o-mini", "choices": [{"index": 0, "delta": {"content": "world"}, "finish_reason": "stop"}]},
    {"id": "x", "object": "chat.completion.chunk", "choices": [], "usage": {"prompt_tokens": 5, "completion_tokens": 2}}]) + "data: [DONE]\n\n"
w("sse", "openai", bytes([0]) + openai.encode())
w("sse", "openai-crlf-comments", bytes([6]) + (": keep-alive\r\n\r\n" + openai.replace("\n", "\r\n")).encode())
w("sse", "openai-error", bytes([2]) + b'data: {"error":{"message":"rate limited","type":"rate_limit"}}\n\n')
anth = [("message_start", {"type": "message_start", "message": {"model": "claude-sonnet-4", "usage": {"input_tokens": 9, "output_tokens": 1}}}),
        ("content_block_start", {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}}),
        ("ping", {"type": "ping"}),
        ("content_block_delta", {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "Hi"}}),
        ("content_block_stop", {"type": "content_block_stop", "index": 0}),
        ("message_delta", {"type": "message_delta", "delta": {"stop_reason": "end_turn"}, "usage": {"output_tokens": 3}}),
        ("message_stop", {"type": "message_stop"})]
w("sse", "anthropic", bytes([1]) + "".join("event: %s\ndata: %s\n\n" % (e, json.dumps(d)) for e, d in anth).encode())
w("sse", "anthropic-error", bytes([3]) + b'event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}\n\n')
w("sse", "multiline-cr", bytes([9]) + b'event: x\rdata: a\rdata: b\r\rid: 1\nretry: 5\ndata:c\n\n')

# lsp_stream: frames after the harness's own initialize
def stream(name, messages, raw=b""):
    w("lsp_stream", name, b"".join(frame(m) for m in messages) + raw)
stream("sessions", [req(1, "session/open", {"sessionId": "demo"}), req(2, "session/list", {"limit": 3}),
                    req(3, "session/close", {"sessionId": "demo"}), req(4, "session/delete", {"sessionId": "demo"})])
stream("messages", [req(1, "messages/add", {"sessionId": "s", "message": {"id": "m0", "role": "user", "content": "hi"}}),
                    req(2, "messages/list", {"sessionId": "s", "limit": 10}),
                    req(3, "interactions/add", {"sessionId": "s", "interaction": {k: v for k, v in inter_f.items() if k != "sessionId"}}),
                    req(4, "interactions/list", {"sessionId": "s", "limit": 2})])
stream("chat", [req(1, "chat/send", {"sessionId": "c", "text": "a pricing card with a button"}),
                req(2, "chat/send", {"sessionId": "c", "text": "make it purple"}),
                req(3, "session/open", {"sessionId": "c"})])
stream("chat-cancel", [req(1, "chat/send", {"sessionId": "c", "text": "a login form"}), note("$/cancelRequest", {"id": 1}),
                       req(2, "chat/send", {"sessionId": "c", "text": "a navbar", "newComponent": True,
                                            "images": [{"mimeType": "image/png", "data": "iVBORw0KGgo="}]})])
stream("components", [req(1, "components/save", {"sessionId": "c", "component": {"name": "Card", "jsx": "function Card(){}", "css": ".a{}"}}),
                      req(2, "components/list", {"sessionId": "c"}), req(3, "components/get", {"sessionId": "c"}),
                      req(4, "components/history", {"sessionId": "c", "componentId": "x"}),
                      req(5, "components/restore", {"sessionId": "c", "componentId": "x", "version": 1}),
                      req(6, "components/setCurrent", {"sessionId": "c", "componentId": "x"}),
                      req(7, "components/delete", {"sessionId": "c", "componentId": "x"})])
stream("export-import", [req(1, "chat/send", {"sessionId": "o", "text": "a card"}), req(2, "session/export", {"sessionId": "o"}),
                         req(3, "session/import", {"document": doc, "sessionId": "copy"}), req(4, "session/import", {"document": doc})])
stream("search", [req(1, "messages/add", {"sessionId": "s", "message": {"role": "user", "content": "a pricing table with three tiers"}}),
                  req(2, "search/query", {"query": "\"pricing table\" tier*", "limit": 1}),
                  req(3, "search/query", {"query": "NEAR( \"unbalanced * -x", "kinds": ["message", "session"]}),
                  req(4, "session/rename", {"sessionId": "s", "title": "Pricing"}),
                  req(5, "search/query", {"query": "pricing", "sessionId": "s", "cursor": "MHgxcDB8MXwxfDF8fHw"})])
stream("providers", [req(1, "provider/list", {}), req(2, "provider/set", {"provider": "offline", "model": "offline-1"}),
                     req(3, "provider/set", {"provider": "nope"})])
stream("batch", ['[{"jsonrpc":"2.0","id":1,"method":"session/list","params":{}},{"jsonrpc":"2.0","method":"$/setTrace","params":{"value":"off"}},{"jsonrpc":"2.0","id":2,"method":"nope"}]'])
stream("errors", ['{"jsonrpc":"2.0","id":1,"method":"session/open"', '[]', '{"jsonrpc":"1.0","id":null}',
                  req("str-id", "session/open", {"sessionId": "bad id!"}), req(2, "messages/add", {"sessionId": "s", "message": {"role": "wizard"}})])
stream("shutdown-exit", [req(1, "session/open", {"sessionId": "a"}), req(2, "shutdown", None), req(3, "session/list", {}),
                         note("exit", None)])
w("lsp_stream", "bad-headers", b"Content-Type: x\r\n\r\nContent-Length: abc\r\n\r\n{}Content-Length: 2\r\nContent-Length: 3\r\n\r\n{}}" +
  frame(req(1, "session/list", {})) + b"Content-Length: 99999999999\r\n\r\n" + b"Content-Length: 40\r\n\r\n{\"jsonrpc\"")
# Regressions: inputs the fuzzers found, minimized.
# A chat whose prompt write is still on its way when `exit` ends the input: the
# storage thread's destructor delivered a refused write after its session was gone.
stream("regression-chat-then-exit", [req(1, "chat/send", {"sessionId": "o", "text": "a card"}), note("exit", None)])
