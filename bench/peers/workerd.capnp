# workerd config for the peer benchmark: one worker serving examples/hello/hello.wasm.
# The bench overrides the socket address with --socket-addr http=127.0.0.1:<port>.
using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [(name = "hello", worker = .helloWorker)],
  sockets = [(name = "http", address = "127.0.0.1:0", http = (), service = "hello")],
);

const helloWorker :Workerd.Worker = (
  modules = [
    (name = "worker", esModule = embed "workerd-hello.mjs"),
    (name = "wasi-shim.mjs", esModule = embed "wasi-shim.mjs"),
    (name = "hello.wasm", wasm = embed "../../examples/hello/hello.wasm"),
  ],
  compatibilityDate = "2024-09-23",
);
