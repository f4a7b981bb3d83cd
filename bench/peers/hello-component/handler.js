// The hello guest as a componentize-js HTTP component: the same answers as examples/hello/hello.c.
// It imports nothing beyond wasi:http/proxy, so jco serve can run it as well as WarpGrid.

function handle(request) {
  if (new URL(request.url).pathname === '/health') {
    return new Response('{"status":"ok"}', { headers: { 'content-type': 'application/json' } });
  }
  return new Response('Hello, world!\n', { headers: { 'content-type': 'text/plain' } });
}

addEventListener('fetch', (event) => event.respondWith(handle(event.request)));
