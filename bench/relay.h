// The driver's two floor modes, each a child process like a server:
//
//   driver --echo         answers each framed request with a framed result of
//                         comparable size (the pipe floor)
//   driver --relay PORT   a trivial C++ chat server (the chat/delta floor): for
//                         each framed request it streams from the fake upstream
//                         on PORT over loopback TCP (blocking reads, one JSON
//                         parse per event) and writes each chunk's content at
//                         once as a framed chat/delta, then answers
#pragma once

namespace bench {

int echoMain();
int relayMain(int port);

}  // namespace bench
